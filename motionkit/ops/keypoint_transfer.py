"""Relative keypoint transfer with movement-scale adaptation (first-order model's ``normalize_kp``).

Animating a source image with a driving video in *relative* mode moves the source keypoints by
the driving keypoints' displacement from the first driving frame, scaled by
``sqrt(area(source hull)) / sqrt(area(initial driving hull))`` so that objects of another size
move proportionally; jacobians are transferred as ``J^D (J^D_0)^-1 J^S``.
"""

from __future__ import annotations

import torch
from torch import Tensor

from motionkit.errors import InputError
from motionkit.ops._validation import check_shape
from motionkit.ops.jacobians import invert_jacobians


def keypoint_hull_area(keypoints: Tensor) -> Tensor:
    """Area of the convex hull of each keypoint set ``(B, K, 2)`` -> ``(B,)`` float64 on the input's device.

    Computed with ``scipy.spatial.ConvexHull`` (not differentiable). Needs ``K >= 3`` points
    that are not all collinear.
    """
    from scipy.spatial import ConvexHull, QhullError  # imported on use: scipy.spatial takes ~0.8 s to import

    check_shape(keypoints, "keypoints", "(B, K, 2)", 3, {2: 2})
    points = keypoints.detach().cpu().double().numpy()
    areas = []
    for index, sample in enumerate(points):
        try:
            areas.append(ConvexHull(sample).volume)
        except (QhullError, ValueError) as error:
            raise ValueError(
                f"keypoints[{index}] has no convex hull with positive area (need >= 3 non-collinear points): "
                f"{str(error).splitlines()[0]}"
            ) from error
    return torch.tensor(areas, dtype=torch.float64, device=keypoints.device)


def movement_scale(source_keypoints: Tensor, initial_driving_keypoints: Tensor) -> Tensor:
    """``sqrt(hull area(source)) / sqrt(hull area(initial driving))`` per sample -> ``(B,)`` float64."""
    source_area = keypoint_hull_area(source_keypoints)
    driving_area = keypoint_hull_area(initial_driving_keypoints)
    return torch.sqrt(source_area) / torch.sqrt(driving_area)


def transfer_relative_motion(
    source_keypoints: Tensor,
    driving_keypoints: Tensor,
    initial_driving_keypoints: Tensor,
    *,
    adapt_movement_scale: bool,
    source_jacobians: Tensor | None = None,
    driving_jacobians: Tensor | None = None,
    initial_driving_jacobians: Tensor | None = None,
) -> tuple[Tensor, Tensor | None]:
    """Move source keypoints by the driving motion relative to the first driving frame.

    Keypoints ``(B, K, 2)``, jacobians ``(B, K, 2, 2)``, normalised. Returns
    ``(keypoints, jacobians)``:

    * ``keypoints = (driving - initial_driving) * scale + source`` with ``scale`` from
      :func:`movement_scale` when ``adapt_movement_scale`` (per sample), else 1;
    * ``jacobians = (J^D @ inverse(J^D_0)) @ J^S`` when all three jacobians are given, ``None``
      when none is (to keep the driving jacobians as the official code does without relative
      jacobians, pass none and use ``driving_jacobians`` directly).
    """
    names = ("source_keypoints", "driving_keypoints", "initial_driving_keypoints")
    values = (source_keypoints, driving_keypoints, initial_driving_keypoints)
    for name, value in zip(names, values, strict=True):
        check_shape(value, name, "(B, K, 2)", 3, {2: 2})
        if value.shape != source_keypoints.shape:
            raise InputError(f"{name} has shape {tuple(value.shape)}, expected {tuple(source_keypoints.shape)}")
    displacement = driving_keypoints - initial_driving_keypoints
    if adapt_movement_scale:
        scale = movement_scale(source_keypoints, initial_driving_keypoints)
        # cast to the keypoints' dtype first, as multiplying by a Python float does (bit-identical to the official code)
        displacement = displacement * scale.to(displacement.dtype).view(-1, 1, 1)
    keypoints = displacement + source_keypoints

    jacobians = (source_jacobians, driving_jacobians, initial_driving_jacobians)
    if all(j is None for j in jacobians):
        return keypoints, None
    if any(j is None for j in jacobians):
        raise ValueError(
            "pass all of source_jacobians, driving_jacobians and initial_driving_jacobians, or none of them"
        )
    batch, count = source_keypoints.shape[:2]
    for name, value in zip(
        ("source_jacobians", "driving_jacobians", "initial_driving_jacobians"), jacobians, strict=True
    ):
        check_shape(value, name, "(B, K, 2, 2)", 4, {0: batch, 1: count, 2: 2, 3: 2})
    relative = torch.matmul(driving_jacobians, invert_jacobians(initial_driving_jacobians))
    return keypoints, torch.matmul(relative, source_jacobians)
