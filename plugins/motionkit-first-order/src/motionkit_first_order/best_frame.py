"""Choosing the driving frame whose face pose best matches the source (the official demo's ``--find_best_frame``)."""
from __future__ import annotations

from typing import Callable, Iterable, Optional

import numpy as np
import torch
from scipy.spatial import ConvexHull

#: frames ``(1, 3, H, W)`` in [0, 1] -> ``(68, 2)`` pixel landmarks or ``None`` when no face is found
LandmarkFn = Callable[[torch.Tensor], Optional[np.ndarray]]


def normalized_landmarks(points: np.ndarray) -> np.ndarray:
    """Landmarks ``(N, 2)`` centred on their mean and divided by the square root of their hull area."""
    centred = points - points.mean(axis=0, keepdims=True)
    return centred / np.sqrt(ConvexHull(centred).volume)


def find_best_frame(source: torch.Tensor, driving: Iterable[torch.Tensor], landmarks: LandmarkFn) -> int:
    """Index of the driving frame ``(3, H, W)`` whose normalised face landmarks are closest (sum of squared
    differences) to the source's; frames without a face are skipped. Streams ``driving`` once."""
    reference = landmarks(source.unsqueeze(0) if source.dim() == 3 else source)
    if reference is None:
        raise ValueError("find_best_frame: no face found in the source image")
    reference = normalized_landmarks(np.asarray(reference, dtype=np.float64))
    best, best_index = float("inf"), None
    for index, frame in enumerate(driving):
        points = landmarks(frame.unsqueeze(0) if frame.dim() == 3 else frame)
        if points is None:
            continue
        distance = float(((reference - normalized_landmarks(np.asarray(points, dtype=np.float64))) ** 2).sum())
        if distance < best:
            best, best_index = distance, index
    if best_index is None:
        raise ValueError("find_best_frame: no face found in any driving frame")
    return best_index
