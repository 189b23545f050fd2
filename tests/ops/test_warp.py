"""Backward warping: identity, exact integer shifts, composition, resizing, sequences, gradients, dtypes."""

import pytest
import torch
import torch.nn.functional as F

from motionkit.errors import InputError
from motionkit.ops import (
    compose_flows,
    coordinate_grid,
    flow_pixels_to_normalized,
    resize_flow,
    warp,
    warp_by_grid,
    warp_sequence,
)

UNITS = ["pixels", "normalized"]
ALIGN = [False, True]


def constant_flow(dx: float, dy: float, height: int, width: int, *, units: str, align_corners: bool, **kw):
    flow = torch.empty(1, 2, height, width, **kw)
    flow[:, 0], flow[:, 1] = dx, dy
    if units == "normalized":
        flow = flow_pixels_to_normalized(flow, align_corners=align_corners)
    return flow


@pytest.mark.parametrize("units", UNITS)
@pytest.mark.parametrize("align_corners", ALIGN)
def test_zero_flow_is_identity(device, units, align_corners, smooth_image):
    image = smooth_image(2, 3, 7, 9, dtype=torch.float64, device=device)
    flow = torch.zeros(2, 2, 7, 9, dtype=torch.float64, device=device)
    for mode in ("bilinear", "nearest"):
        out = warp(image, flow, align_corners=align_corners, units=units, mode=mode)
        torch.testing.assert_close(out, image, rtol=0, atol=1e-12)


@pytest.mark.parametrize("dtype,atol", [(torch.float64, 1e-12), (torch.float32, 1e-5)])
@pytest.mark.parametrize("units", UNITS)
@pytest.mark.parametrize("align_corners", ALIGN)
def test_integer_shift_moves_image_exactly_in_interior(device, units, align_corners, dtype, atol):
    image = torch.rand(1, 2, 10, 12, generator=torch.Generator().manual_seed(1), dtype=dtype).to(device)
    dx, dy = 3, -2
    flow = constant_flow(dx, dy, 10, 12, units=units, align_corners=align_corners, dtype=dtype, device=device)
    out = warp(image, flow, align_corners=align_corners, units=units)
    # out(y, x) = image(y + dy, x + dx) wherever that source pixel exists
    torch.testing.assert_close(out[..., 2:, :-3], image[..., :-2, 3:], rtol=0, atol=atol)
    # pixels whose source lies outside read zeros (padding_mode="zeros")
    assert out[..., :, -1].abs().max() <= atol


@pytest.mark.parametrize("align_corners", ALIGN)
def test_composing_two_shifts(device, align_corners):
    image = torch.rand(1, 1, 12, 12, generator=torch.Generator().manual_seed(2), dtype=torch.float64).to(device)
    kw = dict(units="pixels", align_corners=align_corners, dtype=torch.float64, device=device)
    first, second = constant_flow(1, 2, 12, 12, **kw), constant_flow(-3, 1, 12, 12, **kw)
    composed = compose_flows(first, second, align_corners=align_corners)
    torch.testing.assert_close(composed, constant_flow(-2, 3, 12, 12, **kw), rtol=0, atol=1e-12)
    twice = warp(warp(image, second, align_corners=align_corners), first, align_corners=align_corners)
    once = warp(image, composed, align_corners=align_corners)
    torch.testing.assert_close(once[..., :-3, 2:-1], twice[..., :-3, 2:-1], rtol=0, atol=1e-12)
    torch.testing.assert_close(once[..., :-3, 2:], image[..., 3:, :-2], rtol=0, atol=1e-12)


def test_composition_of_varying_flows_matches_sequential_warps():
    n = 32
    y, x = torch.meshgrid(torch.arange(n, dtype=torch.float64), torch.arange(n, dtype=torch.float64), indexing="ij")
    image = (torch.sin(0.35 * x) * torch.cos(0.25 * y))[None, None]
    zero = torch.zeros_like(x)
    first = torch.stack([3 * torch.sin(2 * torch.pi * y / n), zero])[None]
    second = torch.stack([zero, 3 * torch.sin(2 * torch.pi * x / n)])[None]
    composed = compose_flows(first, second, align_corners=False)
    sequential = warp(warp(image, second, align_corners=False), first, align_corners=False)
    inner = (..., slice(5, -5), slice(5, -5))
    error = (warp(image, composed, align_corners=False) - sequential)[inner].abs().max()
    naive_error = (warp(image, first + second, align_corners=False) - sequential)[inner].abs().max()
    # equal up to the extra interpolation of the sequential path; adding the flows is far off
    assert error < 0.02 and naive_error > 0.2


@pytest.mark.parametrize("align_corners", ALIGN)
def test_resize_flow_scales_vectors(device, align_corners):
    flow = constant_flow(1.0, -2.0, 8, 6, units="pixels", align_corners=False, device=device)
    size = (16, 12) if not align_corners else (15, 11)
    resized = resize_flow(flow, size, align_corners=align_corners)
    assert resized.shape == (1, 2, *size)
    torch.testing.assert_close(resized[0, :, 3, 3], torch.tensor([2.0, -4.0], device=device))
    normalized = flow_pixels_to_normalized(flow, align_corners=align_corners)
    same = resize_flow(normalized, size, align_corners=align_corners, units="normalized")
    torch.testing.assert_close(same[0, :, 3, 3], normalized[0, :, 3, 3])
    nearest = resize_flow(flow, (4, 3), align_corners=False, mode="nearest")
    torch.testing.assert_close(nearest[0, :, 1, 1], torch.tensor([0.5, -1.0], device=device))


def test_resized_flow_warps_resized_image_consistently(smooth_image):
    # a smooth global translation: warping at half resolution then upsampling ~= warping at full
    image = smooth_image(1, 3, 64, 64, dtype=torch.float64, seed=6)
    flow = constant_flow(4.0, 2.0, 64, 64, units="pixels", align_corners=False, dtype=torch.float64)
    small = F.interpolate(image, size=(32, 32), mode="bilinear", align_corners=False, antialias=True)
    small_flow = resize_flow(flow, (32, 32), align_corners=False)
    torch.testing.assert_close(small_flow[0, :, 0, 0], torch.tensor([2.0, 1.0], dtype=torch.float64))
    full = warp(image, flow, align_corners=False)
    half = warp(small, small_flow, align_corners=False)
    up = F.interpolate(half, size=(64, 64), mode="bilinear", align_corners=False)
    assert (up - full)[..., 4:-8, 4:-8].abs().mean() < 0.03


@pytest.mark.parametrize("align_corners", ALIGN)
def test_warp_by_grid_is_grid_sample(device, align_corners, smooth_image):
    image = smooth_image(2, 3, 8, 8, device=device)
    grid = torch.rand(2, 5, 6, 2, generator=torch.Generator().manual_seed(0)).to(device) * 2 - 1
    for mode, padding in [("bilinear", "zeros"), ("nearest", "border"), ("bilinear", "reflection")]:
        out = warp_by_grid(image, grid, align_corners=align_corners, mode=mode, padding_mode=padding)
        expected = F.grid_sample(image, grid, mode=mode, padding_mode=padding, align_corners=align_corners)
        assert torch.equal(out, expected)


def test_warp_sequence_matches_per_step_warps(device):
    frames = torch.rand(2, 3, 3, 8, 8, device=device)
    flows = torch.randn(2, 3, 2, 8, 8, device=device)
    out = warp_sequence(frames, flows, align_corners=False)
    assert out.shape == (2, 3, 3, 8, 8)
    for t in range(3):
        torch.testing.assert_close(out[:, t], warp(frames[:, t], flows[:, t], align_corners=False))
    single = warp_sequence(frames[:, 0], flows, align_corners=True, padding_mode="border")
    for t in range(3):
        expected = warp(frames[:, 0], flows[:, t], align_corners=True, padding_mode="border")
        torch.testing.assert_close(single[:, t], expected)


def test_warp_gradcheck_float64(smooth_image):
    image = smooth_image(1, 2, 5, 5, dtype=torch.float64).requires_grad_(True)
    # fractional displacements keep every sample strictly inside a bilinear cell (no kinks)
    generator = torch.Generator().manual_seed(0)
    flow = (0.3 + 0.2 * torch.rand(1, 2, 5, 5, generator=generator, dtype=torch.float64)).requires_grad_(True)
    other = (0.1 + 0.1 * torch.rand(1, 2, 5, 5, generator=generator, dtype=torch.float64)).requires_grad_(True)
    for units in UNITS:
        assert torch.autograd.gradcheck(
            lambda x, f, units=units: warp(x, f, align_corners=False, units=units, padding_mode="border"),
            (image, flow),
        )
    assert torch.autograd.gradcheck(lambda a, b: compose_flows(a, b, align_corners=True), (flow, other))
    assert torch.autograd.gradcheck(lambda f: resize_flow(f, (7, 9), align_corners=False), (flow,))


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16, torch.float64])
def test_warp_keeps_dtype(device, dtype):
    image = torch.rand(1, 3, 8, 8, device=device).to(dtype)
    flow = torch.randn(1, 2, 8, 8, device=device).to(dtype)
    assert warp(image, flow, align_corners=False).dtype == dtype
    assert warp_sequence(image, flow.unsqueeze(1), align_corners=False).dtype == dtype
    assert compose_flows(flow, flow, align_corners=False).dtype == dtype
    assert resize_flow(flow, (4, 4), align_corners=False).dtype == dtype
    grid = coordinate_grid(8, 8, align_corners=False, dtype=dtype, device=device)[None]
    assert warp_by_grid(image, grid, align_corners=False).dtype == dtype


def test_warp_errors_are_clear():
    image, flow = torch.zeros(1, 3, 8, 8), torch.zeros(1, 2, 8, 8)
    with pytest.raises(InputError, match=r"flow must have shape \(B, 2, H, W\), got \(1, 3, 8, 8\)"):
        warp(image, torch.zeros(1, 3, 8, 8), align_corners=False)
    with pytest.raises(InputError, match=r"same spatial size .* \(8, 8\) and \(4, 4\)"):
        warp(image, torch.zeros(1, 2, 4, 4), align_corners=False)
    with pytest.raises(InputError, match="same batch size"):
        warp(image, torch.zeros(2, 2, 8, 8), align_corners=False)
    with pytest.raises(InputError, match="dtype"):
        warp(image, flow.double(), align_corners=False)
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        warp(image, flow, align_corners=False, padding_mode="wrap")
    with pytest.raises(TypeError):
        warp(image, flow)  # align_corners is a required keyword
    with pytest.raises(InputError, match=r"frames must have shape \(B, T, C, H, W\)"):
        warp_sequence(torch.zeros(1, 3, 8), torch.zeros(1, 2, 2, 8, 8), align_corners=False)
    with pytest.raises(InputError, match=r"grid must have shape \(B, H, W, 2\)"):
        warp_by_grid(image, torch.zeros(1, 8, 8, 3), align_corners=False)


def test_warp_after_inference_mode_still_differentiable():
    # the identity grid is cached; a grid first built under inference_mode must not poison later autograd use
    image, flow = torch.rand(1, 1, 6, 6), torch.zeros(1, 2, 6, 6)
    with torch.inference_mode():
        warp(image, flow, align_corners=False)
    flow.requires_grad_(True)
    warp(image, flow + 0.25, align_corners=False).sum().backward()
    assert flow.grad is not None and flow.grad.abs().sum() > 0
