"""Keypoint and jacobian equivariance losses against exactly equivariant and non-equivariant cases."""
from __future__ import annotations

import pytest
import torch

from motionkit.losses import JacobianEquivarianceLoss, KeypointEquivarianceLoss
from motionkit.ops import RandomTPSTransform


@pytest.fixture
def transform() -> RandomTPSTransform:
    generator = torch.Generator().manual_seed(0)
    return RandomTPSTransform.sample(2, sigma_affine=0.1, sigma_tps=0.05, points_tps=5, generator=generator,
                                     dtype=torch.float64)


def test_keypoint_loss_is_zero_for_equivariant_keypoints_and_l1_otherwise(transform):
    transformed = torch.rand(2, 4, 2, dtype=torch.float64) * 2 - 1
    keypoints = transform.warp_coordinates(transformed)
    loss = KeypointEquivarianceLoss()
    assert float(loss(keypoints, transformed, transform)) < 1e-12
    assert float(loss(keypoints + 0.25, transformed, transform)) == pytest.approx(0.25)


def test_jacobian_loss_is_zero_for_consistent_jacobians(transform):
    transformed = torch.rand(2, 4, 2, dtype=torch.float64) * 2 - 1
    transformed_jacobians = torch.eye(2, dtype=torch.float64) + 0.1 * torch.randn(2, 4, 2, 2, dtype=torch.float64)
    jacobians = transform.jacobian(transformed) @ transformed_jacobians
    loss = JacobianEquivarianceLoss()
    assert float(loss(jacobians, transformed, transformed_jacobians, transform)) < 1e-12
    # jacobians twice as large: J^-1 (dT J') = I / 2, so every entry of I - I/2 on the diagonal is 0.5
    assert float(loss(2 * jacobians, transformed, transformed_jacobians, transform)) == pytest.approx(0.25)


def test_losses_check_shapes(transform):
    with pytest.raises(ValueError, match=r"keypoints must be \(B, K, 2\)"):
        KeypointEquivarianceLoss()(torch.rand(2, 4, 3), torch.rand(2, 4, 2), transform)
    with pytest.raises(ValueError, match=r"jacobians must be \(2, 4, 2, 2\)"):
        JacobianEquivarianceLoss()(torch.rand(2, 4, 2), torch.rand(2, 4, 2), torch.rand(2, 4, 2, 2), transform)
