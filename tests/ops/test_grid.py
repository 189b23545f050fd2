"""Coordinate grids and the pixel flow <-> normalised flow <-> sampling grid conversions."""

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from motionkit.errors import InputError
from motionkit.ops import (
    coordinate_grid,
    flow_normalized_to_pixels,
    flow_pixels_to_normalized,
    flow_to_grid,
    grid_to_flow,
    normalized_to_pixels,
    pixel_grid,
    pixels_to_normalized,
    resize_grid,
)


@pytest.mark.parametrize("align_corners", [False, True])
def test_coordinate_grid_matches_affine_grid_identity(device, align_corners):
    grid = coordinate_grid(5, 7, align_corners=align_corners, dtype=torch.float64, device=device)
    theta = torch.tensor([[[1.0, 0, 0], [0, 1.0, 0]]], dtype=torch.float64, device=device)
    expected = F.affine_grid(theta, [1, 1, 5, 7], align_corners=align_corners)[0]
    assert grid.shape == (5, 7, 2) and grid.device.type == device.type
    torch.testing.assert_close(grid, expected, rtol=0, atol=1e-12)
    # x varies along width, y along height
    assert torch.all(grid[0, 1:, 0] > grid[0, :-1, 0]) and torch.all(grid[1:, 0, 1] > grid[:-1, 0, 1])


def test_coordinate_grid_methods_reproduce_official_constructions():
    # 128 is a size where the two constructions differ in the last bit
    n = 128
    # first-order-model make_coordinate_grid: arange, then 2 * (x / (n - 1)) - 1, in the target dtype
    arange = coordinate_grid(3, n, align_corners=True, method="arange")
    assert torch.equal(arange[1, :, 0], 2 * (torch.arange(n).float() / (n - 1)) - 1)
    # vid2vid / seg2vid: torch.linspace(-1, 1, n)
    linspace = coordinate_grid(n, 3, align_corners=True)
    assert torch.equal(linspace[:, 2, 1], torch.linspace(-1, 1, n))
    assert not torch.equal(arange[0, :, 0], linspace[:, 0, 1])
    torch.testing.assert_close(arange[0, :, 0], linspace[:, 0, 1], rtol=0, atol=2e-7)
    assert arange[0, 0].tolist() == [-1.0, -1.0] and arange[-1, -1].tolist() == [1.0, 1.0]


def test_pixel_flow_warp_grid_is_bit_identical_to_vid2vid_construction():
    # vid2vid: linspace grid + flow_x / ((W - 1) / 2), flow_y / ((H - 1) / 2)
    flow = 20 * torch.randn(2, 2, 24, 40, generator=torch.Generator().manual_seed(0))
    height, width = 24, 40
    base_x = torch.linspace(-1, 1, width).view(1, 1, width).expand(2, height, width)
    base_y = torch.linspace(-1, 1, height).view(1, height, 1).expand(2, height, width)
    expected = torch.stack(
        (base_x + flow[:, 0] / ((width - 1.0) / 2.0), base_y + flow[:, 1] / ((height - 1.0) / 2.0)), -1
    )
    assert torch.equal(flow_to_grid(flow, align_corners=True), expected)


@pytest.mark.parametrize("align_corners", [False, True])
def test_sampling_with_identity_grid_reproduces_image(device, align_corners, smooth_image):
    image = smooth_image(2, 3, 6, 9, dtype=torch.float64, device=device)
    grid = coordinate_grid(6, 9, align_corners=align_corners, dtype=torch.float64, device=device)
    out = F.grid_sample(image, grid.expand(2, 6, 9, 2), align_corners=align_corners)
    torch.testing.assert_close(out, image, rtol=0, atol=1e-12)


@pytest.mark.parametrize("align_corners", [False, True])
def test_pixel_normalized_round_trips(device, align_corners):
    pixels = pixel_grid(4, 6, dtype=torch.float64, device=device)
    normalized = pixels_to_normalized(pixels, (4, 6), align_corners=align_corners)
    torch.testing.assert_close(
        normalized, coordinate_grid(4, 6, align_corners=align_corners, dtype=torch.float64, device=device)
    )
    torch.testing.assert_close(normalized_to_pixels(normalized, (4, 6), align_corners=align_corners), pixels)

    flow = torch.randn(2, 2, 4, 6, dtype=torch.float64, device=device)
    there = flow_pixels_to_normalized(flow, align_corners=align_corners)
    torch.testing.assert_close(flow_normalized_to_pixels(there, align_corners=align_corners), flow)
    for units in ("pixels", "normalized"):
        grid = flow_to_grid(flow, align_corners=align_corners, units=units)
        assert grid.shape == (2, 4, 6, 2)
        torch.testing.assert_close(grid_to_flow(grid, align_corners=align_corners, units=units), flow)


def test_pixel_flow_scale_per_convention():
    flow = torch.ones(1, 2, 5, 9)
    torch.testing.assert_close(
        flow_pixels_to_normalized(flow, align_corners=False)[0, :, 0, 0], torch.tensor([2 / 9, 2 / 5])
    )
    torch.testing.assert_close(
        flow_pixels_to_normalized(flow, align_corners=True)[0, :, 0, 0], torch.tensor([2 / 8, 2 / 4])
    )


@pytest.mark.parametrize("align_corners", [False, True])
def test_resize_grid_keeps_identity(align_corners):
    grid = coordinate_grid(4, 4, align_corners=align_corners, dtype=torch.float64).unsqueeze(0)
    resized = resize_grid(grid, (8, 8), align_corners=align_corners)
    expected = coordinate_grid(8, 8, align_corners=align_corners, dtype=torch.float64)[None]
    # a linear field is reproduced exactly; with align_corners=False the outer ring is clamped
    inner = slice(None) if align_corners else slice(1, -1)
    torch.testing.assert_close(resized[:, inner, inner], expected[:, inner, inner])


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float64])
def test_grid_functions_keep_dtype(dtype):
    flow = torch.zeros(1, 2, 4, 4, dtype=dtype)
    assert coordinate_grid(4, 4, align_corners=False, dtype=dtype).dtype == dtype
    assert flow_to_grid(flow, align_corners=False).dtype == dtype
    assert grid_to_flow(flow_to_grid(flow, align_corners=True), align_corners=True).dtype == dtype


def test_grid_errors_are_clear():
    with pytest.raises(InputError, match=r"flow must have shape \(B, 2, H, W\), got \(1, 3, 4, 4\)"):
        flow_to_grid(torch.zeros(1, 3, 4, 4), align_corners=False)
    with pytest.raises(InputError, match=r"grid must have shape \(B, H, W, 2\)"):
        grid_to_flow(torch.zeros(1, 2, 4, 4), align_corners=False)
    with pytest.raises(TypeError, match="align_corners must be True or False"):
        coordinate_grid(4, 4, align_corners=None)
    with pytest.raises(ValueError, match="units must be one of"):
        flow_to_grid(torch.zeros(1, 2, 4, 4), align_corners=False, units="px")
    with pytest.raises(ValueError, match=r"size must be \(height, width\)"):
        coordinate_grid(0, 4, align_corners=False)
    with pytest.raises(InputError, match="floating-point"):
        flow_to_grid(torch.zeros(1, 2, 4, 4, dtype=torch.int64), align_corners=False)


@settings(max_examples=40, deadline=None)
@given(
    height=st.integers(1, 9),
    width=st.integers(1, 9),
    align_corners=st.booleans(),
    units=st.sampled_from(["pixels", "normalized"]),
    method=st.sampled_from(["linspace", "arange"]),
)
def test_flow_grid_round_trip_any_size(height, width, align_corners, units, method):
    flow = torch.randn(
        2, 2, height, width, dtype=torch.float64, generator=torch.Generator().manual_seed(height * width)
    )
    grid = flow_to_grid(flow, align_corners=align_corners, units=units, method=method)
    assert grid.shape == (2, height, width, 2) and torch.isfinite(grid).all()
    back = grid_to_flow(grid, align_corners=align_corners, units=units, method=method)
    torch.testing.assert_close(back, flow, rtol=0, atol=1e-12)
    pixels = pixel_grid(height, width, dtype=torch.float64)
    normalized = pixels_to_normalized(pixels, (height, width), align_corners=align_corners)
    torch.testing.assert_close(normalized_to_pixels(normalized, (height, width), align_corners=align_corners), pixels)
