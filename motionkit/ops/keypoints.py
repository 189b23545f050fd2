"""Heatmaps <-> keypoints: soft-argmax, Gaussian keypoint maps and heatmap-weighted jacobians.

Keypoints are ``(B, K, 2)`` in normalised ``[-1, 1]`` coordinates, x first. The coordinate
grid they refer to is built by :func:`motionkit.ops.grid.coordinate_grid` with an explicit
``align_corners`` and ``method="arange"``; the first-order motion model uses ``align_corners=True`` (its
``make_coordinate_grid``). The arithmetic follows the official first-order-model code
operation for operation (division by the temperature, broadcast-multiply-and-sum for the
expectations), so results are bit-identical to it.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch.nn.functional as F
from torch import Tensor

from motionkit.errors import InputError
from motionkit.ops._validation import check_batch, check_same_spatial, check_shape, check_size
from motionkit.ops.grid import coordinate_grid


def softmax_heatmaps(logits: Tensor, *, temperature: float) -> Tensor:
    """Spatial softmax of ``logits (B, K, H, W) / temperature`` -> heatmaps ``(B, K, H, W)`` summing to 1."""
    check_shape(logits, "logits", "(B, K, H, W)", 4)
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature!r}")
    batch, count, height, width = logits.shape
    flat = logits.reshape(batch, count, height * width)
    return F.softmax(flat / temperature, dim=2).view(batch, count, height, width)


def heatmaps_to_keypoints(heatmaps: Tensor, *, align_corners: bool) -> Tensor:
    """Expected position under each heatmap ``(B, K, H, W)`` -> keypoints ``(B, K, 2)`` (x, y normalised).

    ``sum_p heatmap(p) * coordinate(p)``; heatmaps should each sum to 1 (see :func:`softmax_heatmaps`).
    """
    check_shape(heatmaps, "heatmaps", "(B, K, H, W)", 4)
    grid = coordinate_grid(
        heatmaps.shape[2],
        heatmaps.shape[3],
        align_corners=align_corners,
        method="arange",
        dtype=heatmaps.dtype,
        device=heatmaps.device,
    )
    return (heatmaps.unsqueeze(-1) * grid.unsqueeze(0).unsqueeze(0)).sum(dim=(2, 3))


def soft_argmax(logits: Tensor, *, temperature: float, align_corners: bool) -> Tensor:
    """Differentiable arg-max of ``logits (B, K, H, W)`` -> keypoints ``(B, K, 2)``.

    :func:`softmax_heatmaps` followed by :func:`heatmaps_to_keypoints`.
    """
    return heatmaps_to_keypoints(softmax_heatmaps(logits, temperature=temperature), align_corners=align_corners)


def keypoints_to_gaussians(keypoints: Tensor, size: Sequence[int], *, variance: float, align_corners: bool) -> Tensor:
    """Render keypoints ``(B, K, 2)`` as Gaussian maps ``(B, K, H, W)`` with ``size = (H, W)``.

    ``exp(-0.5 * |coordinate(p) - keypoint|^2 / variance)`` with distances in normalised units:
    the peak value is 1 (the maps are not normalised to sum to 1). The first-order model's
    default ``variance`` is 0.01.
    """
    check_shape(keypoints, "keypoints", "(B, K, 2)", 3, {2: 2})
    height, width = check_size(size)
    if not variance > 0:
        raise ValueError(f"variance must be > 0, got {variance!r}")
    grid = coordinate_grid(
        height, width, align_corners=align_corners, method="arange", dtype=keypoints.dtype, device=keypoints.device
    )
    batch, count = keypoints.shape[:2]
    offset = grid.view(1, 1, height, width, 2) - keypoints.view(batch, count, 1, 1, 2)
    return (-0.5 * (offset**2).sum(-1) / variance).exp()


def heatmap_weighted_jacobians(heatmaps: Tensor, jacobian_maps: Tensor) -> Tensor:
    """Pool dense jacobian predictions with keypoint heatmaps -> jacobians ``(B, K, 2, 2)``.

    ``heatmaps``: ``(B, K, H, W)``, each summing to 1. ``jacobian_maps``: ``(B, 4 * N, H, W)``
    with ``N = K`` (one map per keypoint) or ``N = 1`` (shared), channels ordered
    ``[J00, J01, J10, J11]`` per map. ``J_k = sum_p heatmap_k(p) * jacobian_map_k(p)``, row-major.
    """
    check_shape(heatmaps, "heatmaps", "(B, K, H, W)", 4)
    check_shape(jacobian_maps, "jacobian_maps", "(B, 4 * N, H, W)", 4)
    check_batch(heatmaps, "heatmaps", jacobian_maps, "jacobian_maps")
    check_same_spatial(heatmaps, "heatmaps", jacobian_maps, "jacobian_maps")
    batch, count, height, width = heatmaps.shape
    maps = jacobian_maps.shape[1] // 4
    if jacobian_maps.shape[1] % 4 or maps not in (1, count):
        raise InputError(f"jacobian_maps must have 4 * K = {4 * count} or 4 channels, got {jacobian_maps.shape[1]}")
    weighted = heatmaps.unsqueeze(2) * jacobian_maps.reshape(batch, maps, 4, height, width)
    return weighted.view(batch, count, 4, -1).sum(dim=-1).view(batch, count, 2, 2)
