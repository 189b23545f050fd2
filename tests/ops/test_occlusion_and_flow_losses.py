"""Forward-backward occlusion, flow smoothness, Pan et al. photometric/consistency terms, flow colours."""

import os
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from motionkit.errors import InputError
from motionkit.ops import (
    coordinate_grid,
    flow_consistency_error,
    flow_consistency_loss,
    flow_smoothness_loss,
    flow_to_rgb,
    forward_backward_occlusion,
    occlusion_weighted_photometric_loss,
    warp,
)

ROWS = slice(4, 11)


def moving_square_scene(device, dtype=torch.float32):
    """A textured square moving 4 px right over a static textured background.

    Frame s has the square at columns 6..13, frame t at 10..17. Returns the frames and the
    backward flows t -> s and s -> t (pixels).
    """
    generator = torch.Generator().manual_seed(0)
    background = torch.rand(1, 3, 16, 24, generator=generator, dtype=dtype)
    square = torch.rand(1, 3, 7, 8, generator=generator, dtype=dtype)
    frame_s, frame_t = background.clone(), background.clone()
    frame_s[..., ROWS, 6:14] = square
    frame_t[..., ROWS, 10:18] = square
    flow_t_to_s = torch.zeros(1, 2, 16, 24, dtype=dtype)
    flow_t_to_s[:, 0, ROWS, 10:18] = -4
    flow_s_to_t = torch.zeros(1, 2, 16, 24, dtype=dtype)
    flow_s_to_t[:, 0, ROWS, 6:14] = 4
    return [x.to(device) for x in (frame_s, frame_t, flow_t_to_s, flow_s_to_t)]


@pytest.mark.parametrize("align_corners", [False, True])
def test_occlusion_from_forward_backward_consistency(device, align_corners):
    frame_s, frame_t, flow_ts, flow_st = moving_square_scene(device)
    visible_t = forward_backward_occlusion(flow_ts, flow_st, align_corners=align_corners)
    expected_t = torch.ones(1, 1, 16, 24, device=device)
    expected_t[..., ROWS, 6:10] = 0  # background uncovered at t was hidden behind the square in s
    assert torch.equal(visible_t, expected_t)
    visible_s = forward_backward_occlusion(flow_st, flow_ts, align_corners=align_corners)
    expected_s = torch.ones(1, 1, 16, 24, device=device)
    expected_s[..., ROWS, 14:18] = 0  # background of s that the square covers at t
    assert torch.equal(visible_s, expected_s)
    error = flow_consistency_error(flow_ts, flow_st, align_corners=align_corners)
    assert error[..., ROWS, 6:10].abs().max() == 4 and (error * expected_t).abs().max() < 1e-5


def test_photometric_and_consistency_terms_vanish_where_visible(device):
    frame_s, frame_t, flow_ts, flow_st = moving_square_scene(device, torch.float64)
    visible_t = forward_backward_occlusion(flow_ts, flow_st, align_corners=False)
    visible_s = forward_backward_occlusion(flow_st, flow_ts, align_corners=False)
    predicted_t = warp(frame_s, flow_ts, align_corners=False)
    assert occlusion_weighted_photometric_loss(predicted_t, frame_t, visible_t) < 1e-12
    assert occlusion_weighted_photometric_loss(predicted_t, frame_t, torch.ones_like(visible_t)) > 0.01
    masked = flow_consistency_loss(
        flow_ts, flow_st, align_corners=False, visibility=visible_t, reverse_visibility=visible_s
    )
    assert masked < 1e-12
    unmasked = flow_consistency_loss(flow_ts, flow_st, align_corners=False)
    # 2 x 7 x 4 inconsistent pixels with |error| = 4 in x, averaged over 2 x 16 x 24 values, per direction
    torch.testing.assert_close(unmasked, torch.tensor(2 * 4 * 28 / (2 * 16 * 24), dtype=torch.float64, device=device))
    clip = torch.stack([predicted_t, predicted_t], dim=1)
    target = torch.stack([frame_t, frame_t], dim=1)
    assert occlusion_weighted_photometric_loss(clip, target, torch.stack([visible_t] * 2, dim=1)) < 1e-12


def test_flow_smoothness():
    x = torch.arange(8, dtype=torch.float64).view(1, 1, 1, 8).expand(1, 1, 6, 8)
    ramp = torch.cat([0.5 * x, torch.zeros_like(x)], dim=1)
    assert flow_smoothness_loss(torch.ones(1, 2, 6, 8)) == 0
    torch.testing.assert_close(flow_smoothness_loss(ramp), torch.tensor(0.25, dtype=torch.float64))
    # an image edge where the flow changes: edge-aware weighting lowers the penalty there
    step = torch.zeros(1, 2, 6, 8, dtype=torch.float64)
    step[..., 4:] = 3.0
    image = torch.zeros(1, 3, 6, 8, dtype=torch.float64)
    image[..., 4:] = 1.0
    plain = flow_smoothness_loss(step)
    aware = flow_smoothness_loss(step, image, edge_sensitivity=2.0)
    torch.testing.assert_close(aware, plain * torch.exp(torch.tensor(-2.0, dtype=torch.float64)))


def test_flow_loss_gradcheck_float64():
    generator = torch.Generator().manual_seed(0)

    def rand(*shape, scale=1.0):
        return (scale * torch.rand(*shape, generator=generator, dtype=torch.float64)).requires_grad_(True)

    flow, reverse = rand(1, 2, 5, 5, scale=0.4), rand(1, 2, 5, 5, scale=0.4)
    visibility = rand(1, 1, 5, 5)
    assert torch.autograd.gradcheck(
        lambda a, b, v: flow_consistency_loss(a + 0.3, -b - 0.3, align_corners=False, visibility=v),
        (flow, reverse, visibility),
    )
    warped, target = rand(1, 3, 5, 5), rand(1, 3, 5, 5)
    assert torch.autograd.gradcheck(occlusion_weighted_photometric_loss, (warped, target, visibility))
    image = rand(1, 3, 5, 5)
    assert torch.autograd.gradcheck(lambda f, i: flow_smoothness_loss(f * 3, i), (flow, image))


FIXTURE = Path(os.environ.get("MOTIONKIT_PARITY_DIR", "/work/shared/parity")) / "img2vid"


@pytest.mark.skipif(not (FIXTURE / "cases.safetensors").exists(), reason=f"no fixture at {FIXTURE}")
def test_consistency_term_equals_seg2vid_form_on_fixture_flows():
    # seg2vid's flows point the other way (it samples at base - flow): motionkit's forward flow is -flow
    from safetensors.torch import load_file

    cases = load_file(str(FIXTURE / "cases.safetensors"))
    base = coordinate_grid(128, 128, align_corners=True)

    def seg2vid_warp(x, f):
        return F.grid_sample(x, base - f.permute(0, 2, 3, 1), align_corners=True)

    for t in range(3):
        flow, back = cases["flow"][:, :, t], cases["flowback"][:, :, t]
        mask_fw, mask_bw = cases["mask_fw"][:, t : t + 1], cases["mask_bw"][:, t : t + 1]
        expected = (mask_bw * (seg2vid_warp(flow, -back) - back).abs()).mean() + (
            mask_fw * (seg2vid_warp(back, flow) - flow).abs()
        ).mean()
        ours = flow_consistency_loss(
            -flow, back, align_corners=True, units="normalized", visibility=mask_fw, reverse_visibility=mask_bw
        )
        assert torch.equal(ours, expected)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.float64])
def test_flow_to_rgb(device, dtype):
    flow = torch.zeros(1, 2, 2, 3, device=device, dtype=dtype)
    flow[0, 0, 0, 1] = 2.0  # right, longest: saturated red
    flow[0, 0, 0, 2] = -2.0  # left: cyan-blue
    flow[0, 1, 1, 0] = 1.0  # down, half length: pale
    rgb = flow_to_rgb(flow)
    assert rgb.shape == (1, 3, 2, 3) and rgb.dtype == dtype
    assert rgb.min() >= 0 and rgb.max() <= 1
    torch.testing.assert_close(rgb[0, :, 0, 0].float(), torch.ones(3, device=device))  # zero flow: white
    torch.testing.assert_close(rgb[0, :, 0, 1].float(), torch.tensor([1.0, 0.0, 0.0], device=device))
    left = rgb[0, :, 0, 2].float()
    assert left[0] == 0 and left[2] == 1 and left[1] > 0.5
    assert rgb[0, :, 1, 0].min() >= 0.5  # half magnitude: halfway to white
    darker = flow_to_rgb(flow, max_magnitude=1.0)  # length 2 > 1: darkened to 75 %
    torch.testing.assert_close(darker[0, :, 0, 1].float(), torch.tensor([0.75, 0.0, 0.0], device=device))


def test_flow_loss_errors_are_clear():
    with pytest.raises(InputError, match=r"visibility must have shape \(1, 1, 4, 4\), got \(1, 3, 4, 4\)"):
        occlusion_weighted_photometric_loss(torch.zeros(1, 3, 4, 4), torch.zeros(1, 3, 4, 4), torch.zeros(1, 3, 4, 4))
    with pytest.raises(InputError, match="warped and target must both be"):
        occlusion_weighted_photometric_loss(torch.zeros(1, 3, 4, 4), torch.zeros(1, 3, 4, 5), torch.zeros(1, 1, 4, 4))
    with pytest.raises(InputError, match=r"reverse_flow must have shape \(B, 2, H, W\)"):
        forward_backward_occlusion(torch.zeros(1, 2, 4, 4), torch.zeros(1, 1, 4, 4), align_corners=False)
    with pytest.raises(InputError, match=r"image must have shape \(B, C, H, W\)"):
        flow_smoothness_loss(torch.zeros(1, 2, 4, 4), torch.zeros(1, 3, 5, 4))
