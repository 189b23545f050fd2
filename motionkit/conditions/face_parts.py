"""vid2vid's edge-to-face input drawn from 68 face landmarks: part curves, distance maps and part labels.

This is the geometry of the released edge2face model's per-frame input (the official face dataset), kept
exact so that official checkpoints see what they were trained on:

* a forehead of 15 points is added by mirroring the inner jaw points above the line between the temples
  at 2/3 of their depth, in the official integer arithmetic (jaw points truncated to integers, the offset
  floor-divided, the result truncated);
* the points of every part form 14 *chains* (outline + forehead, 2 eyebrows, 3 nose chains, 2 + 2 eye
  lids, 2 outer-lip and 2 inner-lip chains). Each chain is cut into pieces of 3 points that share their end
  points; a piece is drawn as the parabola ``y = a x^2 + b x + c`` through its points (a line for a piece of
  2), fitted along the axis with the larger step between consecutive points (``x = f(y)`` when the points
  move more vertically), sampled at ``int(x1 - x0)`` evenly spaced abscissae (coordinates truncated to
  integers) and stamped with a 2x2 pen towards the upper left (clipped to the image). A piece whose
  parabola is too bent (``|a| > 1``) is not drawn;
* distance map of a chain: the L1 distance transform (``cv2.distanceTransform(..., DIST_L1, 3)``) to that
  chain's pixels, divided by 3, clipped to ``[0, 255]`` and truncated to an integer, then scaled to
  ``[0, 1]`` (``0`` on the curve, ``1`` at 765 px or more);
* part labels: filled polygons of the parts in order, later parts over earlier ones: 0 background,
  1 face (outline + forehead), 2 eyebrows, 3 nose, 4 eyes, 5 outer lips, 6 inner lips.

Each piece is fitted as the official code fits it, with ``scipy.optimize.curve_fit`` (Levenberg-Marquardt
from all-ones coefficients) on ``a*x**2 + b*x + c`` or ``a*x + b``. The parabola through 3 points is the
exact interpolant, but a sample through a landmark with integer coordinates comes out a rounding error
above or below the integer, and truncation turns that into a pixel: a closed-form fit moved pixels on many
pieces for integer landmarks (synthetic faces), the same solver gives identical maps. A piece the solver
cannot fit (degenerate points) is not drawn (the official code stops with an error).
"""
from __future__ import annotations

import warnings
from typing import Optional

import cv2
import numpy as np

from ..errors import InputError
from .face_edges import FACE_PARTS, check_landmarks

#: part label of each entry of :data:`~motionkit.conditions.face_edges.FACE_PARTS`
PART_LABELS: tuple[int, ...] = (1, 2, 2, 3, 4, 4, 5, 6)
#: names of the part labels 0..6
PART_NAMES: tuple[str, ...] = ("background", "face", "eyebrows", "nose", "eyes", "outer lips", "inner lips")
#: number of drawn chains, i.e. of distance maps
NUM_CHAINS: int = sum(len(part) for part in FACE_PARTS)
#: channels of the full input: the edge map and one distance map per chain
NUM_CHANNELS: int = 1 + NUM_CHAINS


def add_official_forehead(landmarks: np.ndarray) -> np.ndarray:
    """``(68, 2)`` -> ``(83, 2)`` float64: the official forehead points appended (see the module docstring)."""
    points = check_landmarks(landmarks)
    jaw = points[:17].astype(np.int32)
    baseline = (jaw[0, 1] + jaw[-1, 1]) / 2
    upper = jaw[1:-1].copy()
    upper[:, 1] = baseline + (baseline - upper[:, 1]) * 2 // 3  # float result truncated into int32
    return np.concatenate([points, upper[::-1].astype(np.float64)], 0)


def _parabola(x: np.ndarray, a: float, b: float, c: float) -> np.ndarray:
    return a * x**2 + b * x + c


def _line(x: np.ndarray, a: float, b: float) -> np.ndarray:
    return a * x + b


def _fit(x: np.ndarray, y: np.ndarray) -> Optional[np.ndarray]:
    """Coefficients of the line (2 points) or parabola (3 points) through the points, fitted as the official
    code does (module docstring); ``None`` if the solver fails."""
    from scipy.optimize import curve_fit

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 3 parameters from 3 points: no covariance, which is not used
        try:
            return curve_fit(_parabola if len(x) == 3 else _line, x, y)[0]
        except (RuntimeError, ValueError):  # no convergence, or non-finite values on the way
            return None


def piece_curve(x: np.ndarray, y: np.ndarray) -> Optional[tuple[np.ndarray, np.ndarray]]:
    """Integer pixel samples ``(xs, ys)`` of one piece of 2 or 3 points (see the module docstring), or
    ``None`` when the piece is not drawn (too bent, or not fitted)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if np.abs(np.diff(x)).max() < np.abs(np.diff(y)).max():
        swapped = piece_curve(y, x)
        return None if swapped is None else (swapped[1], swapped[0])
    coefficients = _fit(x, y)
    if coefficients is None or (len(x) == 3 and abs(coefficients[0]) > 1):
        return None
    if x[0] > x[-1]:
        x = x[::-1]
    xs = np.linspace(x[0], x[-1], max(int(x[-1] - x[0]), 0))
    ys = _parabola(xs, *coefficients) if len(coefficients) == 3 else _line(xs, *coefficients)
    return xs.astype(np.int64), ys.astype(np.int64)


def _stamp(canvas: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> None:
    """Set a 2x2 block (the pixel and its upper and left neighbours) at every sample, clipped to the image."""
    height, width = canvas.shape
    for dy in (-1, 0):
        for dx in (-1, 0):
            canvas[np.clip(ys + dy, 0, height - 1), np.clip(xs + dx, 0, width - 1)] = 255


def face_chain_edges(landmarks: np.ndarray, height: int, width: int) -> np.ndarray:
    """``(68, 2)`` landmarks -> ``(14, height, width)`` uint8, one edge map per chain (255 on the curve)."""
    points = add_official_forehead(landmarks)
    chains = np.zeros((NUM_CHAINS, height, width), np.uint8)
    index = 0
    for part in FACE_PARTS:
        for chain in part:
            chain = list(chain)
            for start in range(0, max(1, len(chain) - 1), 2):
                piece = points[chain[start:start + 3]]
                curve = piece_curve(piece[:, 0], piece[:, 1])
                if curve is not None and curve[0].size:
                    _stamp(chains[index], *curve)
            index += 1
    return chains


def face_part_labels(landmarks: np.ndarray, height: int, width: int) -> np.ndarray:
    """``(68, 2)`` landmarks -> ``(height, width)`` uint8 part labels 0..6 (:data:`PART_NAMES`)."""
    points = add_official_forehead(landmarks)
    labels = np.zeros((height, width), np.uint8)
    for part, label in zip(FACE_PARTS, PART_LABELS):
        indices = [i for chain in part for i in chain]
        cv2.fillPoly(labels, [points[indices].astype(np.int32)], color=int(label))
    return labels


def chain_distance_maps(chains: np.ndarray) -> np.ndarray:
    """``(N, H, W)`` uint8 chain edge maps -> ``(N, H, W)`` uint8 distance maps (L1 distance / 3, clipped to
    255, truncated; 255 everywhere for a chain with no pixel)."""
    if chains.ndim != 3 or chains.dtype != np.uint8:
        raise InputError(f"chains: expected (N, H, W) uint8 edge maps, got {chains.shape} {chains.dtype}")
    maps = np.empty_like(chains)
    for index, chain in enumerate(chains):
        distance = cv2.distanceTransform(255 - chain, cv2.DIST_L1, 3)
        maps[index] = np.clip(distance / 3, 0, 255).astype(np.uint8)
    return maps


def face_edge_input(landmarks: Optional[np.ndarray], height: int, width: int,
                    background_edges: Optional[np.ndarray] = None,
                    distance_maps: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The official edge2face input of one frame and its part labels.

    ``landmarks``: ``(68, 2)`` pixels (x first), or ``None`` (no face: no curves, distance maps all 1,
    labels all 0). ``background_edges``: optional ``(height, width)`` edge map (bool or 0/1) of the real
    frame, kept outside the face (where the part label is 0) and added to the edge map (the official
    code adds it in uint8, so a background edge on a curve pixel wraps round to 254/255 there; here it
    stays 1).

    Returns ``input (C, height, width)`` float32 in ``[0, 1]`` (``C`` = 15: the edge map, then the 14 chain
    distance maps in :data:`~motionkit.conditions.face_edges.FACE_PARTS` order; 1 without distance maps)
    and ``labels (height, width)`` uint8 0..6.
    """
    if landmarks is None:
        chains = np.zeros((NUM_CHAINS, height, width), np.uint8)
        labels = np.zeros((height, width), np.uint8)
    else:
        chains = face_chain_edges(landmarks, height, width)
        labels = face_part_labels(landmarks, height, width)
    edges = chains.max(0)
    if background_edges is not None:
        background = np.asarray(background_edges)
        if background.shape != (height, width):
            raise InputError(f"background_edges: expected shape {(height, width)}, got {background.shape}")
        edges = np.where((background > 0) & (labels == 0), np.uint8(255), edges)
    planes = [edges[None]]
    if distance_maps:
        planes.append(chain_distance_maps(chains))
    return np.concatenate(planes, 0).astype(np.float32) / 255.0, labels
