"""Draw 68-point face landmarks as a vid2vid-style face edge map.

The facial parts are drawn as smooth curves: each part's point chain is cut into pieces of three points
(overlapping at their ends) and a quadratic through each piece is rasterised. The face contour is closed
over the forehead with the jaw points mirrored about the line between the temples (2/3 of their depth), as
vid2vid's face dataset does, so the whole face outline is an edge.
"""
from __future__ import annotations

from typing import Sequence

import cv2
import numpy as np

from ..errors import InputError

#: point chains of each part of the 68-point (iBUG 300-W) layout; 68..82 are the synthesised forehead points
FACE_PARTS: tuple[tuple[Sequence[int], ...], ...] = (
    (list(range(0, 17)) + list(range(68, 83)) + [0],),          # face outline incl. forehead
    (range(17, 22),), (range(22, 27),),                          # eyebrows
    ([28, 31], range(31, 36), [35, 28]),                         # nose
    ([36, 37, 38, 39], [39, 40, 41, 36]),                        # right eye
    ([42, 43, 44, 45], [45, 46, 47, 42]),                        # left eye
    (range(48, 55), [54, 55, 56, 57, 58, 59, 48]),               # outer lips
    (range(60, 65), [64, 65, 66, 67, 60]),                       # inner lips
)


def add_forehead(landmarks: np.ndarray) -> np.ndarray:
    """``(68, 2)`` -> ``(83, 2)``: append the 15 inner jaw points mirrored above the temple line."""
    jaw = landmarks[:17]
    baseline = (jaw[0, 1] + jaw[-1, 1]) / 2
    upper = jaw[1:-1].copy()
    upper[:, 1] = baseline + (baseline - upper[:, 1]) * 2 / 3
    return np.concatenate([landmarks, upper[::-1]], 0)


def _quadratic(points: np.ndarray) -> np.ndarray:
    """Points along the quadratic through 2 or 3 points (parametrised by chord length), one per pixel."""
    if len(points) == 2:
        count = max(2, int(np.ceil(np.linalg.norm(points[1] - points[0]))) + 1)
        t = np.linspace(0, 1, count)[:, None]
        return points[0] * (1 - t) + points[1] * t
    chords = np.linalg.norm(np.diff(points, axis=0), axis=1)
    total = chords.sum()
    if total < 1e-9:
        return points[:1]
    knot = chords[0] / total
    knot = min(max(knot, 1e-3), 1 - 1e-3)
    t = np.linspace(0, 1, max(3, int(np.ceil(total)) + 1))[:, None]
    basis = np.concatenate([(t - knot) * (t - 1) / knot, -t * (t - 1) / (knot * (1 - knot)), t * (t - knot) / (1 - knot)], 1)
    return basis @ points


def check_landmarks(landmarks: np.ndarray, name: str = "landmarks") -> np.ndarray:
    """``landmarks`` as float64 ``(68, 2)`` pixel coordinates (x first); :class:`InputError` naming ``name``
    for another shape or non-finite values."""
    points = np.asarray(landmarks, dtype=np.float64)
    if points.shape != (68, 2):
        raise InputError(f"{name}: face landmarks must have shape (68, 2) (x, y in pixels), got {points.shape}")
    if not np.isfinite(points).all():
        raise InputError(f"{name}: face landmarks contain NaN or infinite values")
    return points


def face_edge_map(landmarks: np.ndarray, height: int, width: int, thickness: int = 2,
                  forehead: bool = True) -> np.ndarray:
    """``(68, 2)`` landmarks in pixels (x first) -> ``(height, width)`` uint8 edge map (255 on edges)."""
    points = add_forehead(check_landmarks(landmarks))
    canvas = np.zeros((height, width), np.uint8)
    for p, part in enumerate(FACE_PARTS):
        for chain in part:
            chain = list(chain)
            if p == 0 and not forehead:
                chain = chain[:17]
            for start in range(0, max(1, len(chain) - 1), 2):
                piece = points[chain[start:start + 3]]
                if len(piece) < 2:
                    continue
                curve = np.round(_quadratic(piece)).astype(np.int32)
                cv2.polylines(canvas, [curve.reshape(-1, 1, 2)], False, 255, thickness=thickness)
    return canvas
