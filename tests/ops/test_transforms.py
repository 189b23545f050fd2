"""Random TPS/affine transforms: coordinates and images transform consistently; jacobians."""

import pytest
import torch

from motionkit.errors import InputError
from motionkit.ops import RandomTPSTransform, keypoints_to_gaussians, soft_argmax


def sample(device, dtype=torch.float32, **kw):
    params = dict(sigma_affine=0.05, sigma_tps=0.005, points_tps=5)
    params.update(kw)
    return RandomTPSTransform.sample(
        2, generator=torch.Generator().manual_seed(3), dtype=dtype, device=device, **params
    )


@pytest.mark.parametrize("align_corners", [False, True])
def test_tps_maps_coordinates_and_images_consistently(device, align_corners):
    transform = sample(device)
    keypoints = torch.tensor([[[0.2, -0.3], [-0.35, 0.25]], [[0.0, 0.1], [0.4, 0.4]]], device=device)
    # an image with a sharp blob at each keypoint (one channel per keypoint)
    blobs = keypoints_to_gaussians(keypoints, (96, 96), variance=0.002, align_corners=align_corners)
    transformed = transform.warp_images(blobs, align_corners=align_corners)
    # find the blobs in the transformed image, map them back with T: they land on the originals
    found = soft_argmax(torch.log(transformed + 1e-12), temperature=1.0, align_corners=align_corners)
    torch.testing.assert_close(transform.warp_coordinates(found), keypoints, rtol=0, atol=0.01)
    # and the transform is far from identity, so the check is not vacuous
    assert (found - keypoints).abs().max() > 0.03


def test_affine_only_transform_and_its_jacobian(device):
    transform = sample(device, sigma_tps=None, points_tps=None)
    assert transform.control_points is None
    points = torch.rand(2, 7, 2, device=device) * 2 - 1
    theta = transform.theta
    expected = points @ theta[:, :, :2].transpose(1, 2) + theta[:, :, 2].unsqueeze(1)
    torch.testing.assert_close(transform.warp_coordinates(points), expected)
    jacobian = transform.jacobian(points)
    torch.testing.assert_close(jacobian, theta[:, None, :, :2].expand(2, 7, 2, 2))


def test_tps_jacobian_matches_finite_differences():
    transform = sample("cpu", dtype=torch.float64, sigma_tps=0.05)
    points = torch.tensor([[[0.13, -0.41], [0.52, 0.33]], [[-0.27, 0.08], [0.61, -0.66]]], dtype=torch.float64)
    jacobian = transform.jacobian(points)
    eps = 1e-6
    for axis in range(2):
        delta = torch.zeros_like(points)
        delta[..., axis] = eps
        numeric = (transform.warp_coordinates(points + delta) - transform.warp_coordinates(points - delta)) / (2 * eps)
        torch.testing.assert_close(jacobian[..., :, axis], numeric, rtol=0, atol=1e-7)
    # differentiable through the coordinates when they require grad (equivariance jacobian loss)
    points.requires_grad_(True)
    transform.jacobian(points).sum().backward()
    assert points.grad is not None and torch.isfinite(points.grad).all()


def test_sampling_is_seeded_and_dtype_device_follow(device):
    first, second = sample(device), sample(device)
    assert torch.equal(first.theta, second.theta) and torch.equal(first.control_params, second.control_params)
    assert first.theta.device.type == device.type and first.control_points.shape == (25, 2)
    for dtype in (torch.float64, torch.bfloat16):
        transform = sample(device, dtype=dtype)
        images = torch.rand(2, 3, 8, 8, device=device).to(dtype)
        assert transform.warp_images(images, align_corners=False).dtype == dtype
        assert transform.warp_coordinates(torch.zeros(1, 4, 2, device=device, dtype=dtype)).shape == (2, 4, 2)


def test_transform_errors_are_clear():
    transform = sample("cpu")
    with pytest.raises(InputError, match="batch size 1 or 2, got 3"):
        transform.warp_coordinates(torch.zeros(3, 4, 2))
    with pytest.raises(InputError, match=r"images must have shape \(B, C, H, W\)"):
        transform.warp_images(torch.zeros(3, 1, 4, 4), align_corners=False)
    with pytest.raises(InputError, match="both be given or both be None"):
        RandomTPSTransform(torch.zeros(1, 2, 3), control_points=torch.zeros(4, 2))


def test_draws_follow_the_official_order_from_the_global_generator():
    # affine noise (B, 2, 3) first, then spline weights (B, 1, P^2), both N(0, sigma) from torch's global RNG
    torch.manual_seed(7)
    noise = torch.normal(mean=0, std=0.1 * torch.ones([3, 2, 3]))
    weights = torch.normal(mean=0, std=0.02 * torch.ones([3, 1, 16]))
    torch.manual_seed(7)
    transform = RandomTPSTransform.sample(3, sigma_affine=0.1, sigma_tps=0.02, points_tps=4)
    assert torch.equal(transform.theta, noise + torch.eye(2, 3).view(1, 2, 3))
    assert torch.equal(transform.control_params, weights)
