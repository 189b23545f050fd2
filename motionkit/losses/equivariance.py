"""Keypoint and jacobian equivariance losses of the first-order motion model (Siarohin et al., 2019, Sec. 3.3).

A detector is equivariant when detecting on a frame warped by a known transform ``T`` gives keypoints
that ``T`` maps back onto the keypoints of the original frame, and jacobians consistent with ``T``'s
derivative. Typically ``T`` is a :class:`motionkit.ops.RandomTPSTransform` and the transformed
keypoints come from ``detector(T.warp_images(frames, ...))``.
"""
from __future__ import annotations

from typing import Protocol

import torch

from ..interfaces import Loss
from ..ops.jacobians import invert_jacobians


class CoordinateTransform(Protocol):
    """What the losses need from a transform: coordinates ``(B, N, 2)`` -> ``(B, N, 2)`` and its jacobian
    ``(B, N, 2, 2)`` (e.g. :class:`motionkit.ops.RandomTPSTransform`)."""

    def warp_coordinates(self, coordinates: torch.Tensor) -> torch.Tensor: ...

    def jacobian(self, coordinates: torch.Tensor) -> torch.Tensor: ...


def _check_keypoints(name: str, value: torch.Tensor) -> None:
    if value.dim() != 3 or value.shape[-1] != 2:
        raise ValueError(f"{name} must be (B, K, 2), got {tuple(value.shape)}")


class KeypointEquivarianceLoss(Loss):
    """``mean |keypoints - T(transformed_keypoints)|`` (L1, normalised units).

    ``forward(keypoints (B, K, 2), transformed_keypoints (B, K, 2), transform)``: ``keypoints`` detected on
    the frames, ``transformed_keypoints`` on ``T``-warped frames.
    """

    name = "keypoint_equivariance"

    def forward(self, keypoints: torch.Tensor, transformed_keypoints: torch.Tensor,
                transform: CoordinateTransform) -> torch.Tensor:
        _check_keypoints("keypoints", keypoints)
        _check_keypoints("transformed_keypoints", transformed_keypoints)
        return (keypoints - transform.warp_coordinates(transformed_keypoints)).abs().mean()


class JacobianEquivarianceLoss(Loss):
    """``mean |I - J^-1 (dT(p') J')|``: jacobians ``J`` on the frames must equal the transform's derivative at
    the transformed keypoints ``p'`` times the jacobians ``J'`` detected on the warped frames.

    ``forward(jacobians (B, K, 2, 2), transformed_keypoints (B, K, 2), transformed_jacobians (B, K, 2, 2),
    transform)``.
    """

    name = "jacobian_equivariance"

    def forward(self, jacobians: torch.Tensor, transformed_keypoints: torch.Tensor,
                transformed_jacobians: torch.Tensor, transform: CoordinateTransform) -> torch.Tensor:
        _check_keypoints("transformed_keypoints", transformed_keypoints)
        expected = (*transformed_keypoints.shape, 2)
        for name, value in (("jacobians", jacobians), ("transformed_jacobians", transformed_jacobians)):
            if tuple(value.shape) != expected:
                raise ValueError(f"{name} must be {expected}, got {tuple(value.shape)}")
        mapped = torch.matmul(transform.jacobian(transformed_keypoints), transformed_jacobians)
        product = torch.matmul(invert_jacobians(jacobians), mapped)
        eye = torch.eye(2, dtype=product.dtype, device=product.device).view(1, 1, 2, 2)
        return (eye - product).abs().mean()
