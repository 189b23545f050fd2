"""Sparse motions from keypoints and jacobians (first-order motion approximation).

For keypoint ``k`` with source position ``p_k^S``, driving position ``p_k^D`` and jacobians
``J_k^S``, ``J_k^D`` the backward motion from the driving frame to the source frame near the
keypoint is ``T_k(z) = p_k^S + J_k^S (J_k^D)^-1 (z - p_k^D)`` (Siarohin et al., NeurIPS 2019,
Eq. 4). Computed with ``torch.inverse`` and the same products and sums as the official code, so
the grids are bit-identical to it on CPU.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from motionkit.errors import InputError
from motionkit.ops._validation import check_shape, check_size, same_device_dtype
from motionkit.ops.grid import coordinate_grid
from motionkit.ops.jacobians import invert_jacobians


def sparse_motions(
    source_keypoints: Tensor,
    driving_keypoints: Tensor,
    size: Sequence[int],
    *,
    align_corners: bool,
    source_jacobians: Tensor | None = None,
    driving_jacobians: Tensor | None = None,
) -> Tensor:
    """Per-keypoint backward sampling grids ``(B, K + 1, H, W, 2)`` with ``size = (H, W)``.

    Keypoints ``(B, K, 2)`` and jacobians ``(B, K, 2, 2)`` are normalised (x first). Entry 0
    is the identity grid (the background motion); entry ``k + 1`` is ``T_k(z)`` evaluated at
    every pixel ``z`` of the ``align_corners`` coordinate grid. Without jacobians (both
    ``None``) ``T_k`` is the pure translation ``z - p_k^D + p_k^S``. Each grid samples the
    source image with ``grid_sample`` to give the source deformed by that keypoint's motion.
    """
    check_shape(source_keypoints, "source_keypoints", "(B, K, 2)", 3, {2: 2})
    check_shape(driving_keypoints, "driving_keypoints", "(B, K, 2)", 3, {2: 2})
    if source_keypoints.shape != driving_keypoints.shape:
        raise InputError(
            f"source_keypoints {tuple(source_keypoints.shape)} and driving_keypoints "
            f"{tuple(driving_keypoints.shape)} must have the same shape"
        )
    same_device_dtype(source_keypoints, "source_keypoints", driving_keypoints, "driving_keypoints")
    if (source_jacobians is None) != (driving_jacobians is None):
        raise ValueError("pass both source_jacobians and driving_jacobians, or neither")
    height, width = check_size(size)
    batch, count = source_keypoints.shape[:2]
    identity = coordinate_grid(
        height,
        width,
        align_corners=align_corners,
        method="arange",
        dtype=source_keypoints.dtype,
        device=source_keypoints.device,
    )
    # per keypoint planes (B, K, H, W): z - p_k^D
    x = identity[..., 0] - driving_keypoints[..., 0].view(batch, count, 1, 1)
    y = identity[..., 1] - driving_keypoints[..., 1].view(batch, count, 1, 1)
    if source_jacobians is not None and driving_jacobians is not None:
        for name, jac in (("source_jacobians", source_jacobians), ("driving_jacobians", driving_jacobians)):
            check_shape(jac, name, "(B, K, 2, 2)", 4, {0: batch, 1: count, 2: 2, 3: 2})
        relative = torch.matmul(source_jacobians, invert_jacobians(driving_jacobians)).view(batch, count, 1, 1, 4)
        # (J z)_i = J_i0 * x + J_i1 * y: the same two products and one sum that torch.matmul's 2 x 2 kernel
        # computes (bit-identical on CPU), without materialising a matrix per pixel
        x, y = relative[..., 0] * x + relative[..., 1] * y, relative[..., 2] * x + relative[..., 3] * y
    motions = identity.new_empty(batch, count + 1, height, width, 2)
    motions[:, 0] = identity
    motions[:, 1:, :, :, 0] = x + source_keypoints[..., 0].view(batch, count, 1, 1)
    motions[:, 1:, :, :, 1] = y + source_keypoints[..., 1].view(batch, count, 1, 1)
    return motions
