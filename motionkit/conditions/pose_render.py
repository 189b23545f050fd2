"""Render OpenPose keypoints to pose label images in the style of EverybodyDanceNow's training labels.

White canvas; a filled circle per detected joint; each limb a filled ellipse blended at 60 % over the
canvas; sparse black face dots; coloured hand skeletons. Geometry (circle radius 8, limb half-width 4,
face dots 4, hand dots 3, hand half-width 2) is given for a 1080-pixel-high frame and scaled by ``scale``.
Colour tables and limb lists are those of EverybodyDanceNow's label rendering (stored BGR, as OpenCV
draws, and converted to RGB at the end) so labels made here match labels made by the official pipeline.
"""
from __future__ import annotations

import math
from typing import Optional, Sequence

import cv2
import numpy as np

from ..errors import InputError
from .openpose_files import OpenPoseFrame

COCO18_COLOURS = [[255, 0, 0], [255, 85, 0], [255, 170, 0], [255, 255, 0], [170, 255, 0], [85, 255, 0],
                  [0, 255, 0], [0, 255, 85], [0, 255, 170], [0, 255, 255], [0, 170, 255], [0, 85, 255],
                  [0, 0, 255], [85, 0, 255], [170, 0, 255], [255, 0, 255], [255, 0, 170], [255, 0, 85]]
COCO18_LIMBS = [[1, 2], [1, 5], [2, 3], [3, 4], [5, 6], [6, 7], [1, 8], [8, 9], [9, 10], [1, 11], [11, 12],
                [12, 13], [1, 0], [0, 14], [14, 16], [0, 15], [15, 17]]
BODY23_COLOURS = [[255, 0, 0], [255, 55, 0], [255, 110, 0], [255, 165, 0], [255, 215, 0], [255, 235, 0],
                  [255, 255, 0], [255, 0, 0], [175, 255, 0], [85, 255, 0], [0, 255, 0], [0, 255, 85],
                  [0, 255, 170], [25, 25, 128], [0, 85, 255], [0, 170, 255], [0, 212.5, 255], [0, 255, 255],
                  [255, 0, 0], [255, 0, 255], [238, 130, 238], [138, 43, 226], [75, 0, 130]]
BODY23_LIMBS = [[0, 1], [1, 2], [2, 3], [0, 4], [4, 5], [5, 6], [0, 7], [7, 8], [8, 9], [9, 10], [10, 11],
                [10, 12], [7, 13], [13, 14], [14, 15], [15, 16], [15, 17], [0, 18], [18, 19], [19, 20],
                [18, 21], [21, 22]]
BODY25_COLOURS = [[255, 0, 85], [255, 0, 0], [255, 85, 0], [255, 170, 0], [255, 255, 0], [170, 255, 0],
                  [85, 255, 0], [0, 255, 0], [255, 0, 0], [0, 255, 85], [0, 255, 170], [0, 255, 255],
                  [0, 170, 255], [0, 85, 255], [0, 0, 255], [255, 0, 170], [170, 0, 255], [255, 0, 255],
                  [85, 0, 255], [0, 0, 255], [0, 0, 255], [0, 0, 255], [0, 255, 255], [0, 255, 255],
                  [0, 255, 255]]
BODY25_LIMBS = [[0, 1], [0, 15], [0, 16], [1, 2], [1, 5], [1, 8], [2, 3], [3, 4], [5, 6], [6, 7], [8, 9],
                [8, 12], [9, 10], [10, 11], [11, 22], [11, 24], [12, 13], [13, 14], [14, 19], [14, 21],
                [15, 17], [16, 18], [19, 20], [22, 23]]
BODY_STYLES = {"coco18": (COCO18_COLOURS, COCO18_LIMBS), "body23": (BODY23_COLOURS, BODY23_LIMBS),
               "body25": (BODY25_COLOURS, BODY25_LIMBS)}
HAND_COLOURS = [[230, 53, 40], [231, 115, 64], [233, 136, 31], [213, 160, 13], [217, 200, 19], [170, 210, 35],
                [139, 228, 48], [83, 214, 45], [77, 192, 46], [83, 213, 133], [82, 223, 190], [80, 184, 197],
                [78, 140, 189], [86, 112, 208], [83, 73, 217], [123, 46, 183], [189, 102, 255], [218, 83, 232],
                [229, 65, 189], [236, 61, 141], [255, 102, 145]]
#: fingers as chains from the wrist (point 0)
HAND_FINGERS = [range(1, 5), range(5, 9), range(9, 13), range(13, 17), range(17, 21)]
#: face points drawn for each ``face_points`` setting (70-point OpenPose face)
FACE_POINT_SETS = {
    8: [27, 30, 8, 0, 16, 33, 68, 69],
    9: [27, 30, 8, 0, 16, 33, 68, 69, 62],
    22: [27, 30, 8, 0, 16, 31, 33, 35, 68, 69, 36, 39, 42, 45, 17, 21, 22, 26, 48, 51, 54, 57],
    70: list(range(70)),
}


def _size(value: float, scale: float) -> int:
    return max(1, int(round(value * scale)))


def _blend_limb(canvas: np.ndarray, start: Sequence[float], end: Sequence[float], half_width: int,
                colour: Sequence[float]) -> np.ndarray:
    """Draw a filled ellipse from ``start`` to ``end`` (x, y) on a copy and blend it 60 % over ``canvas``."""
    overlay = canvas.copy()
    centre = (int((start[0] + end[0]) / 2), int((start[1] + end[1]) / 2))
    length = math.hypot(start[0] - end[0], start[1] - end[1])
    angle = math.degrees(math.atan2(start[1] - end[1], start[0] - end[0]))
    polygon = cv2.ellipse2Poly(centre, (int(length / 2), half_width), int(angle), 0, 360, 1)
    cv2.fillConvexPoly(overlay, polygon, [float(c) for c in colour])
    return cv2.addWeighted(canvas, 0.4, overlay, 0.6, 0)


def _finite_point(x: float, y: float) -> bool:
    return math.isfinite(x) and math.isfinite(y) and abs(x) < 1e6 and abs(y) < 1e6


def render_openpose(frame: OpenPoseFrame, height: int, width: int, *, scale: Optional[float] = None,
                    face_points: int = 8, person: Optional[int] = None) -> np.ndarray:
    """Pose label image ``(H, W, 3)`` uint8 RGB of the people in ``frame`` (keypoints in pixels of an
    ``height x width`` frame). ``scale``: stroke scale (default ``height / 1080``); ``face_points``: 0 (no
    face), 8, 9, 22 or 70 face dots; ``person``: draw only that person (default all)."""
    if face_points not in (0, *FACE_POINT_SETS):
        raise InputError(f"face_points must be one of 0, 8, 9, 22, 70, got {face_points}")
    if height < 1 or width < 1:
        raise InputError(f"pose image size must be positive, got {height}x{width}")
    layout = frame.body.layout
    if frame.num_people and layout not in BODY_STYLES:
        raise InputError(f"cannot render body layout {layout!r}; expected one of {', '.join(BODY_STYLES)}")
    scale = height / 1080 if scale is None else scale
    canvas = np.full((height, width, 3), 255, np.uint8)
    people = range(frame.num_people) if person is None else [person]
    for p in people:
        canvas = _draw_body(canvas, frame, p, scale)
        if face_points and frame.face.points.shape[0] > p:
            canvas = _draw_face(canvas, frame, p, scale, face_points)
        for hand in (frame.hand_right, frame.hand_left):
            if hand.points.shape[0] > p:
                canvas = _draw_hand(canvas, hand.points[p].tolist(), hand.confidence[p].tolist(), scale)
    return np.ascontiguousarray(canvas[:, :, ::-1])


def _draw_body(canvas: np.ndarray, frame: OpenPoseFrame, p: int, scale: float) -> np.ndarray:
    colours, limbs = BODY_STYLES[frame.body.layout]
    points, confidence = frame.body.points[p].tolist(), frame.body.confidence[p].tolist()
    ok = [c > 0 and _finite_point(*xy) for xy, c in zip(points, confidence)]
    for j, (x, y) in enumerate(points):
        if ok[j]:
            cv2.circle(canvas, (int(x), int(y)), _size(8, scale), [float(c) for c in colours[j]], thickness=-1)
    for a, b in limbs:
        if ok[a] and ok[b]:
            canvas = _blend_limb(canvas, points[a], points[b], _size(4, scale), colours[a])
    return canvas


def _draw_face(canvas: np.ndarray, frame: OpenPoseFrame, p: int, scale: float, face_points: int) -> np.ndarray:
    confidence = frame.face.confidence[p]
    if float(confidence.sum()) / 70.0 < 0.2:  # face not reliably detected
        return canvas
    points = frame.face.points[p].tolist()
    for i in FACE_POINT_SETS[face_points]:
        if confidence[i] > 0 and _finite_point(*points[i]):
            cv2.circle(canvas, (int(points[i][0]), int(points[i][1])), _size(4, scale), (0, 0, 0), thickness=-1)
    return canvas


def _draw_hand(canvas: np.ndarray, points: list, confidence: list, scale: float, threshold: float = 0.05) -> np.ndarray:
    ok = [c > threshold and _finite_point(*xy) for xy, c in zip(points, confidence)]
    for j, (x, y) in enumerate(points):
        if ok[j]:
            cv2.circle(canvas, (int(x), int(y)), _size(3, scale), HAND_COLOURS[j], thickness=-1)
    for finger in HAND_FINGERS:
        chain = list(finger)
        for a, b in list(zip(chain[:-1], chain[1:])) + [(0, chain[0])]:  # knuckles outwards, then the palm line
            if ok[a] and ok[b]:
                canvas = _blend_limb(canvas, points[a], points[b], _size(2, scale), HAND_COLOURS[b])
    return canvas
