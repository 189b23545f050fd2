"""Keypoint metrics of motion transfer (as in the first-order motion model's evaluation):

* AKD, average keypoint distance: mean pixel distance between keypoints detected on generated and
  reference frames, over keypoints detected in both;
* MKR, missing keypoint rate: fraction of keypoints detected in the reference but not in the generated
  frame (only for detectors reporting a confidence).

The detector is any callable ``frames (N, 3, H, W) in [0, 1] -> `` a :class:`~motionkit.motion.Pose`
(pixels + confidence), :class:`~motionkit.motion.Keypoints` (normalised, converted to pixels with
``align_corners=False``) or a tensor ``(N, K, 2)`` in pixels.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

import torch

from ..errors import InputError
from ..motion import Keypoints, Pose
from .inputs import check_images, check_pair


def keypoint_distance(prediction: torch.Tensor, reference: torch.Tensor,
                      visible: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Mean Euclidean distance of ``(N, K, 2)`` keypoints over entries where ``visible (N, K)`` is true."""
    if prediction.shape != reference.shape or prediction.dim() != 3 or prediction.shape[-1] != 2:
        raise InputError(f"keypoints must both be (N, K, 2), got {tuple(prediction.shape)} and {tuple(reference.shape)}")
    distance = (prediction.double() - reference.double()).norm(dim=-1)
    if visible is None:
        return distance.mean()
    if not visible.any():
        return torch.tensor(float("nan"), dtype=torch.float64)
    return distance[visible.bool()].mean()


def _to_pixels(detected: Any, height: int, width: int) -> tuple[torch.Tensor, Optional[torch.Tensor]]:
    if isinstance(detected, Pose):
        return detected.points, detected.confidence
    if isinstance(detected, Keypoints):
        scale = detected.value.new_tensor([width, height])
        return (detected.value + 1) / 2 * scale - 0.5, None
    if isinstance(detected, torch.Tensor):
        return detected, None
    raise InputError(f"keypoint detector returned {type(detected).__name__}; expected Pose, Keypoints or a tensor")


@torch.no_grad()
def keypoint_metrics(generated: torch.Tensor, reference: torch.Tensor, detector: Callable[[torch.Tensor], Any],
                     threshold: float = 0.0) -> dict[str, float]:
    """``{"akd": pixels, "mkr": fraction}`` (``mkr`` only when the detector gives confidences); a keypoint
    counts as detected when its confidence exceeds ``threshold``."""
    gen, ref = check_images(generated, "generated"), check_images(reference, "reference")
    check_pair(gen, ref, "generated", "reference")
    h, w = gen.shape[-2:]
    gen_points, gen_conf = _to_pixels(detector(gen), h, w)
    ref_points, ref_conf = _to_pixels(detector(ref), h, w)
    if gen_conf is None or ref_conf is None:
        return {"akd": float(keypoint_distance(gen_points, ref_points))}
    found_ref, found_gen = ref_conf > threshold, gen_conf > threshold
    akd = keypoint_distance(gen_points, ref_points, found_ref & found_gen)
    missing = (found_ref & ~found_gen).sum().double() / found_ref.sum().clamp(min=1)
    return {"akd": float(akd), "mkr": float(missing)}
