"""Multi-scale PatchGAN (unconditional and conditional) and the vid2vid temporal discriminator."""
from __future__ import annotations

import pytest
import torch

from motionkit.errors import InputError
from motionkit.interfaces import ScaleOutput
from motionkit.nn import MultiscalePatchDiscriminator, NLayerDiscriminator, TemporalDiscriminator
from motionkit.nn.temporal_discriminator import strided_flows, temporal_group_starts
from motionkit.testing import check_component


def _patch_size(size: int, n_layers: int) -> list[int]:
    """Spatial sizes after each stage: k4 p2 convs, stride 2 for the first n_layers, then stride 1 twice."""
    sizes = []
    for stride in [2] * n_layers + [1, 1]:
        size = (size + 4 - 4) // stride + 1
        sizes.append(size)
    return sizes


@pytest.mark.parametrize("size,num_scales,n_layers", [(32, 2, 3), (48, 3, 3), (40, 1, 2)])
def test_every_scale_returns_features_and_logits(size: int, num_scales: int, n_layers: int) -> None:
    d = MultiscalePatchDiscriminator(ndf=4, n_layers=n_layers, num_scales=num_scales)
    with torch.no_grad():
        out = d(torch.rand(2, 3, size, size))
    assert len(out) == num_scales and all(isinstance(o, ScaleOutput) for o in out)
    channels = [min(4 * 2**i, 512) for i in range(n_layers + 1)]
    for i, scale in enumerate(out):
        side = size
        for _ in range(i):  # AvgPool2d(3, 2, 1)
            side = (side - 1) // 2 + 1
        sizes = _patch_size(side, n_layers)
        assert [tuple(f.shape) for f in scale.features] == [(2, c, s, s) for c, s in zip(channels, sizes)]
        assert scale.logits.shape == (2, 1, sizes[-1], sizes[-1])


def test_official_key_layout_and_finest_scale_uses_last_module() -> None:
    d = MultiscalePatchDiscriminator(ndf=4, num_scales=2)
    keys = list(d.state_dict())
    assert keys[:2] == ["scale0_layer0.0.weight", "scale0_layer0.0.bias"]
    assert "scale1_layer4.0.weight" in keys and "scale0_layer1.0.weight" in keys
    x = torch.rand(1, 3, 32, 32)
    with torch.no_grad():
        out = d(x)
        single = NLayerDiscriminator(3, ndf=4)
        single.load_state_dict({k.split("_", 1)[1].replace("layer", "model"): v for k, v in d.state_dict().items() if k.startswith("scale1_")})
        finest = single(x)
        single.load_state_dict({k.split("_", 1)[1].replace("layer", "model"): v for k, v in d.state_dict().items() if k.startswith("scale0_")})
        coarse = single(d.downsample(x))
    torch.testing.assert_close(out[0].logits, finest.logits)
    torch.testing.assert_close(out[1].logits, coarse.logits)


def test_conditional_discriminator_concatenates_condition_first() -> None:
    torch.manual_seed(0)
    d = MultiscalePatchDiscriminator(ndf=4, num_scales=1, condition_channels=2, norm="none")
    frames, condition = torch.rand(1, 3, 16, 16), torch.rand(1, 2, 16, 16)
    with torch.no_grad():
        out = d(frames, condition)
        first = d.scale0_layer0[0]
        expected = torch.nn.functional.leaky_relu(first(torch.cat([condition, frames], 1)), 0.2)
    torch.testing.assert_close(out[0].features[0], expected)
    with pytest.raises(InputError, match="conditional"):
        d(frames)
    with pytest.raises(InputError, match=r"condition must have shape \(1, 2, 16, 16\)"):
        d(frames, torch.rand(1, 3, 16, 16))
    with pytest.raises(InputError, match="unconditional"):
        MultiscalePatchDiscriminator(ndf=4)(frames, condition)


def test_gradients_flow_to_input_and_weights() -> None:
    d = MultiscalePatchDiscriminator(ndf=4, norm="spectral_instance")
    x = torch.rand(1, 3, 32, 32, requires_grad=True)
    sum(o.logits.mean() + sum(f.mean() for f in o.features) for o in d(x)).backward()
    assert x.grad.abs().sum() > 0
    assert all(p.grad is not None for n, p in d.named_parameters())


def test_default_config_conforms() -> None:
    check_component(MultiscalePatchDiscriminator)


def test_temporal_groups_follow_vid2vid() -> None:
    # K=3: scale 0 groups of consecutive frames ending at the last frame, every 3 frames back
    assert temporal_group_starts(7, 3, 1) == [4, 1]
    assert temporal_group_starts(7, 3, 3) == [0]  # frames 0, 3, 6
    assert temporal_group_starts(6, 3, 3) == []  # span 6 needs 7 frames
    assert temporal_group_starts(9, 3, 1) == [6, 3, 0]


def test_strided_flows_chain_consecutive_flows() -> None:
    flows = torch.zeros(1, 4, 2, 8, 8)
    for t in range(4):
        flows[:, t, 0] = t + 1.0  # constant translations compose by addition
    chained = strided_flows(flows, 3, align_corners=False)
    assert chained.shape == (1, 2, 2, 8, 8)
    torch.testing.assert_close(chained[0, :, 0, 4, 4], torch.tensor([6.0, 9.0]))


def test_temporal_discriminator_inputs_per_scale() -> None:
    torch.manual_seed(0)
    d = TemporalDiscriminator(ndf=4, num_scales=2, n_frames=3, temporal_scales=3)
    frames = torch.rand(2, 7, 3, 32, 32, requires_grad=True)
    flows = torch.randn(2, 6, 2, 32, 32)
    per_scale = d.forward_temporal(frames, flows)
    assert len(per_scale) == 2  # scale 2 needs 19 frames
    assert [s[0].logits.shape[0] for s in per_scale] == [4, 2]  # two groups at stride 1, one at stride 3
    assert all(len(s) == 2 and len(s[0].features) == 4 for s in per_scale)
    assert d.scales[0].scale0_layer0[0].in_channels == 3 * 3 + 2 * 2
    flat = d(frames, flows)
    assert len(flat) == 4
    flat[0].logits.mean().backward()
    assert frames.grad[:, 4:].abs().sum() > 0 and frames.grad[:, :1].abs().sum() == 0  # scale 0, group 0 = frames 4..6


def test_temporal_input_is_frames_then_scaled_flows() -> None:
    d = TemporalDiscriminator(ndf=4, num_scales=1, n_frames=2, temporal_scales=1, norm="none")
    frames = torch.rand(1, 2, 3, 16, 16)
    flows = torch.randn(1, 1, 2, 16, 16)
    conv = d.scales[0].scale0_layer0[0]
    expected = torch.cat([frames[:, 0], frames[:, 1], flows[:, 0] / 20], dim=1)
    with torch.no_grad():
        out = d(frames, flows)
        torch.testing.assert_close(out[0].features[0], torch.nn.functional.leaky_relu(conv(expected), 0.2))


def test_temporal_discriminator_rejects_bad_inputs() -> None:
    d = TemporalDiscriminator(ndf=4, num_scales=1)
    with pytest.raises(InputError, match="at least n_frames=3"):
        d(torch.rand(1, 2, 3, 16, 16), torch.rand(1, 1, 2, 16, 16))
    with pytest.raises(InputError, match=r"flows \(condition\) must have shape \(1, 3, 2, 16, 16\)"):
        d(torch.rand(1, 4, 3, 16, 16))
    with pytest.raises(InputError, match=r"\(B, T, 3, H, W\)"):
        d(torch.rand(1, 3, 16, 16))
