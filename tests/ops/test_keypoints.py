"""Keypoint heatmaps, soft-argmax, Gaussian maps, jacobians, sparse motions and relative transfer."""

import pytest
import torch

from motionkit.errors import InputError
from motionkit.ops import (
    coordinate_grid,
    heatmap_weighted_jacobians,
    heatmaps_to_keypoints,
    invert_jacobians,
    keypoint_hull_area,
    keypoints_to_gaussians,
    movement_scale,
    soft_argmax,
    softmax_heatmaps,
    sparse_motions,
    transfer_relative_motion,
)


@pytest.mark.parametrize("align_corners", [False, True])
def test_soft_argmax_recovers_known_peaks(device, align_corners):
    height, width = 12, 16
    peaks = [(2, 3), (7, 14), (11, 0)]  # (row, column)
    logits = torch.zeros(1, len(peaks), height, width, device=device)
    for k, (row, col) in enumerate(peaks):
        logits[0, k, row, col] = 10.0
    keypoints = soft_argmax(logits, temperature=0.1, align_corners=align_corners)
    grid = coordinate_grid(height, width, align_corners=align_corners, device=device)
    expected = torch.stack([grid[row, col] for row, col in peaks])[None]
    assert keypoints.shape == (1, 3, 2)
    torch.testing.assert_close(keypoints, expected, rtol=0, atol=1e-5)


@pytest.mark.parametrize("align_corners", [False, True])
def test_gaussians_and_soft_argmax_are_inverse_for_subpixel_keypoints(device, align_corners):
    keypoints = torch.tensor([[[0.13, -0.27], [-0.41, 0.35]]], dtype=torch.float64, device=device)
    maps = keypoints_to_gaussians(keypoints, (32, 40), variance=0.01, align_corners=align_corners)
    assert maps.shape == (1, 2, 32, 40) and maps.max() <= 1
    heatmaps = maps / maps.sum(dim=(2, 3), keepdim=True)
    recovered = heatmaps_to_keypoints(heatmaps, align_corners=align_corners)
    torch.testing.assert_close(recovered, keypoints, rtol=0, atol=1e-6)
    # log of a Gaussian at temperature 1 is the same distribution
    torch.testing.assert_close(
        soft_argmax(maps.log(), temperature=1.0, align_corners=align_corners), keypoints, rtol=0, atol=1e-6
    )


def test_gaussian_peak_is_one_at_a_pixel_centre():
    grid = coordinate_grid(9, 9, align_corners=True)
    maps = keypoints_to_gaussians(grid[4, 6].view(1, 1, 2), (9, 9), variance=0.01, align_corners=True)
    assert maps[0, 0, 4, 6] == 1 and maps[0, 0].argmax() == 4 * 9 + 6


def test_softmax_heatmaps_sum_to_one_and_divide_by_temperature():
    logits = torch.randn(2, 3, 5, 6)
    heatmaps = softmax_heatmaps(logits, temperature=0.1)
    torch.testing.assert_close(heatmaps.sum(dim=(2, 3)), torch.ones(2, 3))
    expected = torch.softmax((logits.view(2, 3, -1) / 0.1), dim=2).view(2, 3, 5, 6)
    assert torch.equal(heatmaps, expected)


def test_heatmap_weighted_jacobians_pick_values_under_heatmap(device):
    heatmaps = torch.zeros(1, 2, 4, 4, device=device)
    heatmaps[0, 0, 1, 2] = 1.0
    heatmaps[0, 1, 3, 0] = 0.5
    heatmaps[0, 1, 0, 0] = 0.5
    maps = torch.randn(1, 8, 4, 4, device=device)
    jac = heatmap_weighted_jacobians(heatmaps, maps)
    assert jac.shape == (1, 2, 2, 2)
    torch.testing.assert_close(jac[0, 0].flatten(), maps[0, 0:4, 1, 2])
    torch.testing.assert_close(jac[0, 1].flatten(), 0.5 * (maps[0, 4:8, 3, 0] + maps[0, 4:8, 0, 0]))
    shared = heatmap_weighted_jacobians(heatmaps, maps[:, :4])
    torch.testing.assert_close(shared[0, 0].flatten(), maps[0, 0:4, 1, 2])
    with pytest.raises(InputError, match="4 \\* K = 8 or 4 channels, got 6"):
        heatmap_weighted_jacobians(heatmaps, maps[:, :6])


@pytest.mark.parametrize("align_corners", [False, True])
def test_sparse_motions_first_order_approximation(device, align_corners):
    generator = torch.Generator().manual_seed(0)
    source = (torch.rand(2, 3, 2, generator=generator, dtype=torch.float64) * 1.6 - 0.8).to(device)
    driving = (torch.rand(2, 3, 2, generator=generator, dtype=torch.float64) * 1.6 - 0.8).to(device)
    eye = torch.eye(2, dtype=torch.float64)
    source_jac = (eye + 0.3 * torch.randn(2, 3, 2, 2, generator=generator, dtype=torch.float64)).to(device)
    driving_jac = (eye + 0.3 * torch.randn(2, 3, 2, 2, generator=generator, dtype=torch.float64)).to(device)
    motions = sparse_motions(
        source, driving, (6, 7), align_corners=align_corners, source_jacobians=source_jac, driving_jacobians=driving_jac
    )
    grid = coordinate_grid(6, 7, align_corners=align_corners, dtype=torch.float64, device=device)
    assert motions.shape == (2, 4, 6, 7, 2)
    torch.testing.assert_close(motions[:, 0], grid.expand(2, 6, 7, 2))  # background: identity
    linear = source_jac @ torch.linalg.inv(driving_jac)
    z = grid.view(1, 1, 6, 7, 2, 1) - driving.view(2, 3, 1, 1, 2, 1)
    expected = (linear.view(2, 3, 1, 1, 2, 2) @ z).squeeze(-1) + source.view(2, 3, 1, 1, 2)
    torch.testing.assert_close(motions[:, 1:], expected)
    translation = sparse_motions(source, driving, (6, 7), align_corners=align_corners)
    torch.testing.assert_close(
        translation[:, 1:], grid.view(1, 1, 6, 7, 2) - driving.view(2, 3, 1, 1, 2) + source.view(2, 3, 1, 1, 2)
    )


def test_keypoint_gradcheck_float64():
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(1, 2, 4, 5, generator=generator, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: soft_argmax(x, temperature=0.5, align_corners=True), (logits,))
    keypoints = (0.5 * torch.randn(1, 2, 2, generator=generator, dtype=torch.float64)).requires_grad_(True)
    assert torch.autograd.gradcheck(
        lambda k: keypoints_to_gaussians(k, (4, 5), variance=0.1, align_corners=False), (keypoints,)
    )
    jac = torch.eye(2, dtype=torch.float64) + 0.2 * torch.randn(1, 2, 2, 2, generator=generator, dtype=torch.float64)
    jac.requires_grad_(True)
    assert torch.autograd.gradcheck(
        lambda s, d, js, jd: sparse_motions(
            s, d, (3, 4), align_corners=True, source_jacobians=js, driving_jacobians=jd
        ),
        (keypoints, keypoints.detach().flip(1).requires_grad_(True), jac, jac.detach().flip(1).requires_grad_(True)),
    )
    heatmaps = torch.softmax(torch.randn(1, 2, 20, generator=generator, dtype=torch.float64), -1).view(1, 2, 4, 5)
    maps = torch.randn(1, 8, 4, 5, generator=generator, dtype=torch.float64)
    assert torch.autograd.gradcheck(
        heatmap_weighted_jacobians, (heatmaps.requires_grad_(True), maps.requires_grad_(True))
    )


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16, torch.float64])
def test_keypoint_ops_keep_dtype(device, dtype):
    logits = torch.randn(1, 2, 6, 6, device=device).to(dtype)
    keypoints = soft_argmax(logits, temperature=0.1, align_corners=True)
    assert keypoints.dtype == dtype
    assert keypoints_to_gaussians(keypoints, (6, 6), variance=0.01, align_corners=True).dtype == dtype
    jac = (torch.eye(2, device=device) + 0.1 * torch.randn(1, 2, 2, 2, device=device)).to(dtype)
    assert invert_jacobians(jac).dtype == dtype
    motions = sparse_motions(
        keypoints, keypoints, (6, 6), align_corners=True, source_jacobians=jac, driving_jacobians=jac
    )
    assert motions.dtype == dtype


def test_hull_area_and_movement_scale():
    square = torch.tensor([[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.5, 0.5]]])
    big = 2 * square
    areas = keypoint_hull_area(torch.cat([square, big]))
    assert areas.dtype == torch.float64 and areas.tolist() == [1.0, 4.0]
    torch.testing.assert_close(movement_scale(big, square), torch.tensor([2.0], dtype=torch.float64))
    with pytest.raises(ValueError, match=r"keypoints\[0\] has no convex hull"):
        keypoint_hull_area(torch.tensor([[[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]]]))


def test_relative_transfer_moves_source_by_scaled_driving_motion():
    square = torch.tensor([[[0.0, 0.0], [0.5, 0.0], [0.5, 0.5], [0.0, 0.5]]])
    source = 0.5 * square + 0.1  # half the size of the driving object
    initial = square
    driving = square + torch.tensor([0.2, -0.1])
    plain, none = transfer_relative_motion(source, driving, initial, adapt_movement_scale=False)
    assert none is None
    torch.testing.assert_close(plain, source + torch.tensor([0.2, -0.1]))
    scaled, _ = transfer_relative_motion(source, driving, initial, adapt_movement_scale=True)
    torch.testing.assert_close(scaled, source + torch.tensor([0.1, -0.05]))
    # batched: each sample uses its own scale
    batched, _ = transfer_relative_motion(
        torch.cat([source, square]),
        torch.cat([driving, driving]),
        torch.cat([initial, initial]),
        adapt_movement_scale=True,
    )
    torch.testing.assert_close(batched, torch.cat([scaled, driving]))

    jac_s = torch.eye(2).expand(1, 4, 2, 2) * 2
    jac_0 = torch.eye(2).expand(1, 4, 2, 2) * 4
    jac_d = torch.eye(2).expand(1, 4, 2, 2) * 8
    _, jac = transfer_relative_motion(
        source,
        driving,
        initial,
        adapt_movement_scale=False,
        source_jacobians=jac_s,
        driving_jacobians=jac_d,
        initial_driving_jacobians=jac_0,
    )
    torch.testing.assert_close(jac, torch.eye(2).expand(1, 4, 2, 2) * 4)
    with pytest.raises(ValueError, match="or none of them"):
        transfer_relative_motion(source, driving, initial, adapt_movement_scale=False, source_jacobians=jac_s)


def test_keypoint_errors_are_clear():
    with pytest.raises(InputError, match=r"keypoints must have shape \(B, K, 2\), got \(1, 3\)"):
        keypoints_to_gaussians(torch.zeros(1, 3), (4, 4), variance=0.01, align_corners=True)
    with pytest.raises(ValueError, match="temperature must be > 0"):
        softmax_heatmaps(torch.zeros(1, 1, 2, 2), temperature=0)
    with pytest.raises(InputError, match="must have the same shape"):
        sparse_motions(torch.zeros(1, 3, 2), torch.zeros(1, 4, 2), (4, 4), align_corners=True)
    with pytest.raises(ValueError, match="pass both source_jacobians and driving_jacobians"):
        sparse_motions(
            torch.zeros(1, 3, 2), torch.zeros(1, 3, 2), (4, 4), align_corners=True, source_jacobians=torch.eye(2)
        )
    with pytest.raises(InputError, match=r"driving_jacobians must have shape \(B, K, 2, 2\)"):
        sparse_motions(
            torch.zeros(1, 3, 2),
            torch.zeros(1, 3, 2),
            (4, 4),
            align_corners=True,
            source_jacobians=torch.eye(2).expand(1, 3, 2, 2),
            driving_jacobians=torch.eye(2).expand(1, 2, 2, 2),
        )


def test_sparse_motions_are_bit_identical_to_per_pixel_matmul_on_cpu():
    # the official code repeats J_S J_D^-1 per pixel and calls torch.matmul; the elementwise form must
    # give the same bits so that first-order-model checkpoints reproduce exactly
    generator = torch.Generator().manual_seed(1)
    source, driving = torch.rand(2, 2, 5, 2, generator=generator).unbind(0)
    jac_s, jac_d = (torch.eye(2) + 0.3 * torch.randn(2, 2, 5, 2, 2, generator=generator)).unbind(0)
    height, width = 9, 11
    grid = coordinate_grid(height, width, align_corners=True, method="arange").view(1, 1, height, width, 2)
    relative = torch.matmul(jac_s, torch.inverse(jac_d)).view(2, 5, 1, 1, 2, 2).repeat(1, 1, height, width, 1, 1)
    offsets = grid - driving.view(2, 5, 1, 1, 2)
    expected = torch.matmul(relative, offsets.unsqueeze(-1)).squeeze(-1) + source.view(2, 5, 1, 1, 2)
    motions = sparse_motions(
        source, driving, (height, width), align_corners=True, source_jacobians=jac_s, driving_jacobians=jac_d
    )
    assert torch.equal(motions[:, 1:], expected)
    assert torch.equal(motions[:, 0], grid[0].expand(2, height, width, 2))
