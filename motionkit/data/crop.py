"""Crop helpers for preparing first-order-style datasets: detect, track, square-crop with padding, paste back.

Boxes are ``(x0, y0, x1, y1)`` in pixels (x1, y1 exclusive). A detector is any callable
``frame uint8 (H, W, 3) -> list of boxes`` (an optional fifth value, the score, is ignored here).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

import cv2
import numpy as np

from ..errors import InputError

Box = tuple[float, float, float, float]
Detector = Callable[[np.ndarray], Sequence[Sequence[float]]]


def iou(a: Sequence[float], b: Sequence[float]) -> float:
    """Intersection over union of two boxes."""
    width = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    height = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


@dataclass
class Track:
    """One object followed over consecutive frames: ``boxes[i]`` is its box in frame ``start + i``."""

    start: int
    boxes: list[Box] = field(default_factory=list)

    @property
    def end(self) -> int:
        """One past the last frame."""
        return self.start + len(self.boxes)

    def union(self) -> Box:
        """Smallest box containing every box of the track (a static crop that never cuts the object)."""
        boxes = np.asarray(self.boxes, dtype=np.float64)
        return (boxes[:, 0].min(), boxes[:, 1].min(), boxes[:, 2].max(), boxes[:, 3].max())


def track_boxes(detections: Iterable[Sequence[Sequence[float]]], iou_threshold: float = 0.25,
                min_length: int = 1) -> list[Track]:
    """Link per-frame detections into tracks.

    A detection continues the open track whose last box overlaps it most (IoU above ``iou_threshold``);
    otherwise it starts a new track. A track ends at the first frame without a matching detection.
    Tracks shorter than ``min_length`` frames are dropped. Returns tracks in order of their start.
    """
    finished: list[Track] = []
    open_tracks: list[Track] = []
    for frame_index, boxes in enumerate(detections):
        boxes = [tuple(float(v) for v in box[:4]) for box in boxes]
        for box in boxes:
            if not (box[2] > box[0] and box[3] > box[1]):
                raise InputError(f"frame {frame_index}: detector returned an empty box {box}")
        continued: list[Track] = []
        for box in sorted(boxes, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]), reverse=True):
            candidates = [(iou(track.boxes[-1], box), track) for track in open_tracks
                          if all(track is not taken for taken in continued)]
            best = max(candidates, key=lambda c: c[0], default=(0.0, None))
            if best[1] is not None and best[0] > iou_threshold:
                best[1].boxes.append(box)
                continued.append(best[1])
            else:
                continued.append(Track(frame_index, [box]))
        finished += [track for track in open_tracks if all(track is not taken for taken in continued)]
        open_tracks = continued
    finished += open_tracks
    return sorted((t for t in finished if len(t.boxes) >= min_length), key=lambda t: t.start)


def detect_and_track(frames: Iterable[np.ndarray], detector: Detector, iou_threshold: float = 0.25,
                     min_length: int = 1) -> list[Track]:
    """Run ``detector`` on every frame (streamed) and link the detections with :func:`track_boxes`."""
    return track_boxes((detector(frame) for frame in frames), iou_threshold, min_length)


def square_box(box: Sequence[float], scale: float = 1.0) -> tuple[int, int, int, int]:
    """Square integer box centred on ``box`` with side ``max(width, height) * scale``. It may extend past
    the frame: :func:`crop_square` pads instead of shifting or stretching."""
    x0, y0, x1, y1 = (float(v) for v in box[:4])
    side = max(1, int(round(max(x1 - x0, y1 - y0) * scale)))
    left = int(round((x0 + x1) / 2 - side / 2))
    top = int(round((y0 + y1) / 2 - side / 2))
    return left, top, left + side, top + side


def crop_square(frame: np.ndarray, box: Sequence[int], size: int, pad: str = "edge") -> np.ndarray:
    """Crop the square ``box`` from ``frame (H, W, C)`` and resize it to ``size x size``.

    Parts of the box outside the frame are padded (``pad``: ``"edge"`` repeats the border, ``"constant"``
    fills black) so the content keeps its aspect ratio."""
    x0, y0, x1, y1 = (int(v) for v in box)
    if x1 - x0 != y1 - y0 or x1 <= x0:
        raise InputError(f"crop box {tuple(box)} is not a non-empty square; use square_box()")
    if pad not in ("edge", "constant"):
        raise InputError(f"pad must be 'edge' or 'constant', got {pad!r}")
    height, width = frame.shape[:2]
    margins = (max(0, -y0), max(0, y1 - height), max(0, -x0), max(0, x1 - width))
    inner = frame[max(0, y0):min(height, y1), max(0, x0):min(width, x1)]
    if inner.size == 0:
        raise InputError(f"crop box {tuple(box)} lies outside the {width}x{height} frame")
    if any(margins):
        spec = ((margins[0], margins[1]), (margins[2], margins[3])) + ((0, 0),) * (frame.ndim - 2)
        inner = np.pad(inner, spec, mode=pad)
    interpolation = cv2.INTER_AREA if inner.shape[0] > size else cv2.INTER_CUBIC
    return cv2.resize(np.ascontiguousarray(inner), (size, size), interpolation=interpolation)


def paste_back(frame: np.ndarray, crop: np.ndarray, box: Sequence[int], feather: int = 0) -> np.ndarray:
    """Return ``frame`` with ``crop`` (any square size) resized into the square ``box``; the parts of the box
    outside the frame are dropped. ``feather``: width in pixels of a linear blend at the box border."""
    x0, y0, x1, y1 = (int(v) for v in box)
    side = x1 - x0
    if side != y1 - y0 or side <= 0:
        raise InputError(f"paste box {tuple(box)} is not a non-empty square")
    if crop.ndim != frame.ndim or (crop.ndim == 3 and crop.shape[2] != frame.shape[2]):
        raise InputError(f"crop {crop.shape} and frame {frame.shape} have different channel layouts")
    resized = cv2.resize(np.ascontiguousarray(crop), (side, side), interpolation=cv2.INTER_AREA
                         if crop.shape[0] > side else cv2.INTER_CUBIC).reshape((side, side) + crop.shape[2:])
    height, width = frame.shape[:2]
    fy0, fy1, fx0, fx1 = max(0, y0), min(height, y1), max(0, x0), min(width, x1)
    if fy0 >= fy1 or fx0 >= fx1:
        return frame.copy()
    region = resized[fy0 - y0:fy1 - y0, fx0 - x0:fx1 - x0].astype(np.float64)
    out = frame.copy()
    if feather > 0:
        ramp = np.minimum(np.arange(side) + 1, np.arange(side)[::-1] + 1) / float(feather)
        weight = np.clip(np.minimum(ramp[:, None], ramp[None, :]), 0, 1)[fy0 - y0:fy1 - y0, fx0 - x0:fx1 - x0]
        if region.ndim == 3:
            weight = weight[..., None]
        region = region * weight + out[fy0:fy1, fx0:fx1].astype(np.float64) * (1 - weight)
    out[fy0:fy1, fx0:fx1] = np.clip(np.round(region), 0, 255).astype(frame.dtype) if frame.dtype == np.uint8 else region
    return out
