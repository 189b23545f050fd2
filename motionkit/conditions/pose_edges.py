"""Render OpenPose keypoints in the style of vid2vid's pose inputs (its ``pose`` dataset mode).

Coloured lines on a **black** canvas (EverybodyDanceNow's style, :mod:`.pose_render`, draws ellipses on white):

* body: the BODY_25 limbs, each a 6-pixel-wide line in its own colour with round 12-pixel end caps; the head
  limbs (nose, eyes, ears) are left out with ``basic_points_only``;
* hands: every finger of both hands, segment by segment, 2 pixels wide with 4-pixel end caps, one colour per
  finger (a finger is drawn only if all its 5 points, wrist included, are detected);
* face: eyebrows, nose, eyes and mouth of the 70-point face (not the jaw line), white, 2 pixels wide
  (a chain is drawn only if all its points are detected). Hands and face are left out with ``basic_points_only``.

Widths are in pixels of the frame the keypoints belong to, whatever its resolution (vid2vid renders at the
source resolution and then resizes with nearest sampling). A joint counts as detected when its confidence is
above 0.01 (body, hands) or 0.1 (face), and, as in vid2vid, a segment is skipped when one of its points has
x exactly 0. Each segment is rasterised like vid2vid: the line through its two points is fitted by least
squares along its longer axis (``scipy.optimize.leastsq`` from all-ones parameters, what vid2vid's
``curve_fit`` call runs), sampled at ``int(length)`` evenly spaced positions and truncated to integers; a
pixel already coloured is averaged with the new colour. Every person is drawn on its own black canvas and the
canvases are added as uint8 (overlaps wrap around, as in vid2vid). The result equals vid2vid's rendering
bit for bit (with the old numpy vid2vid ran with, whose ``linspace`` truncated a float sample count).

Training-time label dropping (vid2vid's ``--random_drop_prob``, default 0.05 there): every body limb, each
hand and the whole face are left out with probability ``drop_prob``; with ``jitter_face`` (vid2vid's
``--remove_face_labels``, only active together with dropping) the head joints move by N(0, 5 px) noise and the
face by one N(0, 2 px) shift per person. Unlike vid2vid, undetected points stay undetected under the jitter
(vid2vid adds the noise to their zero placeholders too, which draws lines towards the image corner).
"""
from __future__ import annotations

import os
import warnings
from typing import Optional, Sequence, Union

import numpy as np
import torch
from torch import Tensor

from ..errors import InputError
from ..interfaces import Config, ConditionExtractor
from ..motion import Pose
from .openpose_files import OpenPoseFrame, as_openpose_frames, read_openpose

#: BODY_25 head limbs (drawn first; left out with ``basic_points_only``) and their RGB colours
HEAD_LIMBS = ((17, 15), (15, 0), (0, 16), (16, 18))
HEAD_COLOURS = ((153, 0, 153), (153, 0, 102), (102, 0, 153), (51, 0, 153))
#: BODY_25 limbs: neck and spine, right arm, left arm, right leg and foot, left leg and foot
BODY_LIMBS = ((0, 1), (1, 8),
              (1, 2), (2, 3), (3, 4),
              (1, 5), (5, 6), (6, 7),
              (8, 9), (9, 10), (10, 11), (11, 24), (11, 22), (22, 23),
              (8, 12), (12, 13), (13, 14), (14, 21), (14, 19), (19, 20))
BODY_COLOURS = ((153, 0, 51), (153, 0, 0),
                (153, 51, 0), (153, 102, 0), (153, 153, 0),
                (102, 153, 0), (51, 153, 0), (0, 153, 0),
                (0, 153, 51), (0, 153, 102), (0, 153, 153), (0, 153, 153), (0, 153, 153), (0, 153, 153),
                (0, 102, 153), (0, 51, 153), (0, 0, 153), (0, 0, 153), (0, 0, 153), (0, 0, 153))
#: the five fingers of a 21-point hand as chains from the wrist (thumb first), and one colour per finger
HAND_FINGERS = tuple((0, *range(4 * finger + 1, 4 * finger + 5)) for finger in range(5))
HAND_FINGER_COLOURS = ((204, 0, 0), (163, 204, 0), (0, 204, 82), (0, 82, 204), (163, 0, 204))
#: chains of the 70-point face: eyebrows, nose bridge, nostrils, eyes (two arcs each), outer lips (two arcs)
FACE_CHAINS = (tuple(range(17, 22)), tuple(range(22, 27)),
               tuple(range(27, 31)), tuple(range(31, 36)),
               (36, 37, 38, 39), (39, 40, 41, 36),
               (42, 43, 44, 45), (45, 46, 47, 42),
               tuple(range(48, 55)), (54, 55, 56, 57, 58, 59, 48))
FACE_COLOUR = (255, 255, 255)
BODY_HALF_WIDTH, PART_HALF_WIDTH = 3, 1
BODY_THRESHOLD, HAND_THRESHOLD, FACE_THRESHOLD = 0.01, 0.01, 0.1
#: head joints moved by the face jitter (nose, eyes, ears)
HEAD_JOINTS = (0, 15, 16, 17, 18)


def _chain_points(points: np.ndarray, confidence: np.ndarray, chains: Sequence[Sequence[int]],
                  threshold: float) -> np.ndarray:
    """``(N, 2)`` coordinates of the points of every fully detected chain; other points are ``(0, 0)``."""
    out = np.zeros_like(points)
    for chain in chains:
        index = list(chain)
        if (confidence[index] > threshold).all():
            out[index] = points[index]
    return out


def _fit_line(u: np.ndarray, v: np.ndarray) -> Optional[tuple[float, float]]:
    """Least-squares ``v = a * u + b`` exactly as ``scipy.optimize.curve_fit`` computes it (``leastsq`` from
    ``a = b = 1``), so that the truncated samples match vid2vid's pixel for pixel."""
    from scipy.optimize import leastsq  # imported on use: scipy.optimize takes ~0.2 s to import

    params, status = leastsq(lambda p: p[0] * u + p[1] - v, np.ones(2))
    if status not in (1, 2, 3, 4):
        return None
    return params[0], params[1]


def segment_pixels(x: np.ndarray, y: np.ndarray) -> Optional[tuple[np.ndarray, np.ndarray]]:
    """Pixels ``(xs, ys)`` (int64) of the segment from ``(x[0], y[0])`` to ``(x[1], y[1])`` as vid2vid samples
    it, or ``None`` when it is shorter than one pixel along its longer axis."""
    swap = abs(x[0] - x[1]) < abs(y[0] - y[1])
    u, v = (y, x) if swap else (x, y)
    count = int(abs(u[1] - u[0]))  # the float sample count old numpy's linspace truncated
    if count == 0:
        return None
    line = _fit_line(u, v)
    if line is None:
        return None
    start, stop = (u[1], u[0]) if u[0] > u[1] else (u[0], u[1])
    samples = np.linspace(start, stop, count)
    fitted = line[0] * samples + line[1]
    along, across = samples.astype(np.int64), fitted.astype(np.int64)
    return (across, along) if swap else (along, across)


def _blend(canvas: np.ndarray, ys: np.ndarray, xs: np.ndarray, colour: np.ndarray) -> None:
    """Paint pixels ``(ys, xs)``: set to ``colour`` if all of them are black, else average every one with it."""
    pixels = canvas[ys, xs]
    if not pixels.any():
        canvas[ys, xs] = colour
    else:
        canvas[ys, xs] = ((pixels.astype(np.float64) + colour) / 2).astype(np.uint8)


def _offsets(half_width: int) -> list[tuple[int, int]]:
    return [(i, j) for i in range(-half_width, half_width) for j in range(-half_width, half_width)]


def _cap_offsets(half_width: int) -> list[tuple[int, int]]:
    radius = 2 * half_width
    return [(i, j) for i, j in _offsets(radius) if i * i + j * j < radius * radius]


def draw_segment(canvas: np.ndarray, xs: np.ndarray, ys: np.ndarray, half_width: int,
                 colour: Sequence[int]) -> None:
    """Draw sampled segment pixels on ``canvas`` ``(H, W, 3)`` uint8 in place, as vid2vid draws an edge: the
    pixels shifted by every offset in ``[-half_width, half_width)^2``, then round caps of radius
    ``2 * half_width`` at both ends (positions clamped to the canvas)."""
    height, width = canvas.shape[:2]
    paint = np.asarray(colour, dtype=np.float64)
    for i, j in _offsets(half_width):
        _blend(canvas, np.clip(ys + i, 0, height - 1), np.clip(xs + j, 0, width - 1), paint)
    ends_x, ends_y = xs[[0, -1]], ys[[0, -1]]
    for i, j in _cap_offsets(half_width):
        _blend(canvas, np.clip(ends_y + i, 0, height - 1), np.clip(ends_x + j, 0, width - 1), paint)


def _draw_pair(canvas: np.ndarray, points: np.ndarray, pair: Sequence[int], half_width: int,
               colour: Sequence[int]) -> None:
    x, y = points[list(pair), 0], points[list(pair), 1]
    if (x == 0).any():
        return
    pixels = segment_pixels(x, y)
    if pixels is not None:
        draw_segment(canvas, pixels[0], pixels[1], half_width, colour)


def _keep(drop_prob: float, rng: Optional[np.random.Generator]) -> bool:
    return drop_prob <= 0 or rng.random() >= drop_prob


def _person(frame: OpenPoseFrame, person: int, height: int, width: int, basic_points_only: bool,
            drop_prob: float, jitter_face: bool, rng: Optional[np.random.Generator]) -> np.ndarray:
    def part(pose: Pose) -> tuple[np.ndarray, np.ndarray]:
        if pose.points.shape[0] <= person:  # a part given for fewer people (e.g. a body-only Pose): undetected
            return np.zeros((pose.points.shape[1], 2)), np.zeros(pose.points.shape[1])
        return pose.points[person].double().numpy(), pose.confidence[person].double().numpy()

    body, body_confidence = part(frame.body)
    body = np.where((body_confidence > BODY_THRESHOLD)[:, None], body, 0.0)
    face = _chain_points(*part(frame.face), FACE_CHAINS, FACE_THRESHOLD)
    hands = [_chain_points(*part(hand), HAND_FINGERS, HAND_THRESHOLD) for hand in (frame.hand_left, frame.hand_right)]
    if drop_prob > 0 and jitter_face:
        head = list(HEAD_JOINTS)
        noise = 5 * rng.standard_normal((len(head), 2))
        body[head] = np.where(body[head] != 0, body[head] + noise, 0.0)
        shift = 2 * rng.standard_normal(2)
        face = np.where(face != 0, face + shift, 0.0)

    canvas = np.zeros((height, width, 3), np.uint8)
    limbs = (() if basic_points_only else tuple(zip(HEAD_LIMBS, HEAD_COLOURS))) + tuple(zip(BODY_LIMBS, BODY_COLOURS))
    for pair, colour in limbs:
        if _keep(drop_prob, rng):
            _draw_pair(canvas, body, pair, BODY_HALF_WIDTH, colour)
    if basic_points_only:
        return canvas
    for hand in hands:
        if _keep(drop_prob, rng):
            for finger, colour in zip(HAND_FINGERS, HAND_FINGER_COLOURS):
                for k in range(len(finger) - 1):
                    _draw_pair(canvas, hand, finger[k:k + 2], PART_HALF_WIDTH, colour)
    if _keep(drop_prob, rng):
        for chain in FACE_CHAINS:
            for k in range(len(chain) - 1):
                _draw_pair(canvas, face, chain[k:k + 2], PART_HALF_WIDTH, FACE_COLOUR)
    return canvas


def render_openpose_edges(frame: OpenPoseFrame, height: int, width: int, *, basic_points_only: bool = False,
                          drop_prob: float = 0.0, jitter_face: bool = False,
                          rng: Optional[np.random.Generator] = None, source: str = "openpose") -> np.ndarray:
    """vid2vid's pose input image of ``frame`` (BODY_25 body; every person) -> uint8 ``(height, width, 3)`` RGB.

    Keypoints are pixels of a ``height x width`` frame. ``drop_prob`` / ``jitter_face``: training-time label
    dropping (see the module docstring; needs ``rng``). ``source`` names the file in errors.
    """
    if height < 1 or width < 1:
        raise InputError(f"{source}: image size must be positive, got {height}x{width}")
    if not 0 <= drop_prob <= 1:
        raise InputError(f"{source}: drop_prob must lie in [0, 1], got {drop_prob}")
    if drop_prob > 0 and rng is None:
        raise InputError(f"{source}: drop_prob > 0 needs a random generator (rng)")
    image = np.zeros((height, width, 3), np.uint8)
    if frame.num_people == 0:
        return image
    if frame.body.layout != "body25":
        raise InputError(f"{source}: vid2vid's pose rendering needs BODY_25 keypoints (25 per person), got layout "
                         f"{frame.body.layout} with {frame.body.points.shape[1]} points")
    limit = 16 * max(height, width)
    for pose in (frame.body, frame.face, frame.hand_left, frame.hand_right):
        if pose.points.numel() and float(pose.points.abs().max()) > limit:
            raise InputError(f"{source}: keypoints lie far outside the {width}x{height} frame "
                             f"(|coordinate| up to {float(pose.points.abs().max()):.4g}); are they pixels of another size?")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # leastsq's warnings on degenerate fits, as vid2vid silences them
        for person in range(frame.num_people):
            image += _person(frame, person, height, width, basic_points_only, drop_prob, jitter_face, rng)
    return image


class OpenPoseEdgesConfig(Config):
    """basic_points_only: body limbs only, without head limbs, hands and face (vid2vid's ``--basic_point_only``)."""

    basic_points_only: bool = False


class OpenPoseEdges(ConditionExtractor):
    """``forward(poses, height, width) -> (B, 3, H, W)`` vid2vid-style pose images in [0, 1] (black background).

    ``poses``: a :class:`~motionkit.motion.Pose` ``(B, 25, 2)`` BODY_25 pose in pixels of an ``height x
    width`` frame (one person per image, no hands or face) or a list of :class:`OpenPoseFrame` (every person,
    hands and face drawn). :meth:`from_files` reads OpenPose JSON / YAML files first.
    """

    name = "openpose-edges"
    Config = OpenPoseEdgesConfig
    config: OpenPoseEdgesConfig

    def forward(self, poses: Union[Pose, Sequence[OpenPoseFrame]], height: int, width: int,
                sources: Optional[Sequence[str]] = None) -> Tensor:
        frames, device = as_openpose_frames(poses, "openpose-edges")
        names = list(sources) if sources is not None else [f"openpose-edges: poses[{i}]" for i in range(len(frames))]
        images = [render_openpose_edges(frame, height, width, basic_points_only=self.config.basic_points_only,
                                        source=name) for frame, name in zip(frames, names)]
        return torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float().div(255.0).to(device)

    def from_files(self, paths: Sequence[Union[str, os.PathLike]], height: int, width: int) -> Tensor:
        """Render OpenPose files (``*.json``, ``*_pose.yml`` or YAML stems) -> ``(B, 3, H, W)``."""
        return self([read_openpose(path) for path in paths], height, width, sources=[str(p) for p in paths])
