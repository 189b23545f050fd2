"""Norm factory and pix2pixHD residual block layout."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from motionkit.nn import NORM_NAMES, NormSpec, ResnetBlock, as_norm_spec


@pytest.mark.parametrize(
    "name,layer_type,spectral",
    [
        ("batch", nn.BatchNorm2d, False),
        ("instance", nn.InstanceNorm2d, False),
        ("sync_batch", nn.SyncBatchNorm, False),
        ("none", nn.Identity, False),
        ("spectral", nn.Identity, True),
        ("spectral_instance", nn.InstanceNorm2d, True),
        ("spectral_batch", nn.BatchNorm2d, True),
    ],
)
def test_norm_names_build_the_right_layers(name: str, layer_type: type, spectral: bool) -> None:
    spec = NormSpec.parse(name)
    assert type(spec.layer(8)) is layer_type
    conv = spec.conv(nn.Conv2d(3, 8, 3))
    keys = set(conv.state_dict())
    assert ({"weight_orig", "weight_u", "weight_v"} <= keys) is spectral


def test_instance_norm_matches_pix2pixhd_and_vid2vid_settings() -> None:
    plain = NormSpec.parse("instance").layer(4)
    assert not plain.affine and not plain.track_running_stats and not list(plain.state_dict())
    tracked = NormSpec.parse("instance", track_running_stats=True).layer(4)
    assert set(tracked.state_dict()) == {"running_mean", "running_var", "num_batches_tracked"}
    assert set(NormSpec.parse("batch").layer(4).state_dict()) >= {"weight", "bias", "running_mean"}


def test_unknown_norm_names_the_choices() -> None:
    with pytest.raises(ValueError, match="unknown norm 'group'.*spectral_instance"):
        as_norm_spec("group")
    assert len(NORM_NAMES) == 8


@pytest.mark.parametrize(
    "padding,dropout,convs",
    [("reflect", False, ("1", "5")), ("replicate", False, ("1", "5")), ("zero", False, ("0", "3")), ("reflect", True, ("1", "6"))],
)
def test_resnet_block_has_official_indices(padding: str, dropout: bool, convs: tuple[str, str]) -> None:
    block = ResnetBlock(4, norm="batch", padding=padding, dropout=dropout)
    weights = sorted(k for k in block.state_dict() if k.endswith(".weight"))
    first, second = convs
    assert f"conv_block.{first}.weight" in weights and f"conv_block.{second}.weight" in weights
    x = torch.randn(2, 4, 6, 7)
    assert block(x).shape == x.shape


def test_resnet_block_is_residual() -> None:
    block = ResnetBlock(3, norm="none")
    for p in block.parameters():
        nn.init.zeros_(p)
    x = torch.randn(1, 3, 5, 5)
    assert torch.equal(block(x), x)


def test_spectral_block_power_iteration_runs() -> None:
    block = ResnetBlock(4, norm="spectral_instance")
    x = torch.randn(1, 4, 8, 8, requires_grad=True)
    block(x).sum().backward()
    assert x.grad is not None and block.conv_block[1].weight_orig.grad is not None
