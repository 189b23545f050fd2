"""First-order-layout blocks, hourglass and the keypoint multi-scale discriminator."""
from __future__ import annotations

import pytest
import torch

import motionkit as mk
from motionkit.nn import Hourglass, KeypointDiscriminator, ResBlock2d, UpBlock2d


@pytest.mark.parametrize("size", [16, 32, 48])
def test_hourglass_keeps_resolution_and_concatenates_its_input(size):
    hourglass = Hourglass(block_expansion=4, in_features=3, num_blocks=3, max_features=12)
    x = torch.rand(2, 3, size, size)
    out = hourglass(x)
    assert out.shape == (2, 4 + 3, size, size) and hourglass.out_filters == 7
    assert torch.equal(out[:, 4:], x)  # the decoder's last skip is the input itself
    widths = [block.conv.out_channels for block in hourglass.encoder.down_blocks]
    assert widths == [8, 12, 12]  # min(max_features, block_expansion * 2 ** (i + 1))


def test_hourglass_rejects_indivisible_sizes():
    with pytest.raises(ValueError, match="divisible by 8"):
        Hourglass(4, 3, num_blocks=3)(torch.rand(1, 3, 20, 20))


def test_blocks_use_official_key_names():
    assert list(ResBlock2d(4).state_dict())[:4] == ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias"]
    assert {k.split(".")[0] for k in UpBlock2d(4, 2).state_dict()} == {"conv", "norm"}
    assert UpBlock2d(4, 2)(torch.rand(1, 4, 5, 7)).shape == (1, 2, 10, 14)


@pytest.mark.parametrize("size", [64, 96])
def test_discriminator_scales_features_and_logits(size):
    disc = KeypointDiscriminator(scales=(1, 0.5), block_expansion=4, max_features=16, num_blocks=3, sn=True)
    outputs = disc(torch.rand(2, 3, size, size))
    assert isinstance(outputs, list) and len(outputs) == 2
    assert all(isinstance(o, mk.ScaleOutput) and len(o.features) == 3 for o in outputs)
    assert [o.features[0].shape[1] for o in outputs] == [8, 8]
    assert outputs[1].logits.shape[-1] < outputs[0].logits.shape[-1]  # the half-scale copy is smaller
    keys = set(disc.state_dict())
    assert "discs.1.down_blocks.0.conv.weight_orig" in keys and "discs.0-5.conv.weight_v" in keys
    assert not any("downsample" in k or k.endswith("down.weight") for k in keys)  # pyramid kernels are not stored


def test_discriminator_keypoint_condition():
    disc = KeypointDiscriminator(block_expansion=4, max_features=8, num_blocks=2, use_kp=True, num_kp=5)
    frames, keypoints = torch.rand(1, 3, 32, 32), torch.rand(1, 5, 2) * 2 - 1
    with pytest.raises(ValueError, match="use_kp=True"):
        disc(frames)
    a = disc(frames, keypoints)[0].logits
    b = disc(frames, mk.Keypoints(keypoints))[0].logits
    assert torch.equal(a, b)
    assert not torch.equal(a, disc(frames, -keypoints)[0].logits)  # the heatmaps reach the logits
    a.sum().backward()
    assert all(p.grad is not None for p in disc.parameters())


def test_discriminator_config_errors():
    with pytest.raises(mk.ConfigError, match="scales"):
        KeypointDiscriminator(scales=(1.5,))
    with pytest.raises(ValueError, match=r"frames must be \(B, 3, H, W\)"):
        KeypointDiscriminator(block_expansion=4, num_blocks=2)(torch.rand(1, 4, 32, 32))
