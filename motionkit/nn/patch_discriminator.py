"""pix2pixHD's PatchGAN discriminators: a single-scale N-layer PatchGAN and the multi-scale, optionally
conditional, discriminator built from them (official key layout with intermediate features:
``scale{i}_layer{j}.{k}``; ``scale{num_scales-1}`` sees the full-resolution input)."""
from __future__ import annotations

import math
from typing import Optional

import torch
from pydantic import Field
from torch import nn

from motionkit.errors import InputError
from motionkit.interfaces import Config, Discriminator, ScaleOutput

from .norm import NormLike, NormName, as_norm_spec


def patch_discriminator_layers(
    input_nc: int, ndf: int = 64, n_layers: int = 3, norm: NormLike = "instance"
) -> list[nn.Sequential]:
    """The ``n_layers + 2`` stages of an N-layer PatchGAN, in order.

    Stage 0: conv4 stride 2 + LeakyReLU(0.2); stages 1..n_layers-1: conv4 stride 2 + norm + LeakyReLU with
    filters doubling up to 512; stage n_layers: the same with stride 1; last stage: conv4 stride 1 to one
    logit channel. Every conv pads by 2, so the output is a patch map slightly larger than ``H / 2**n_layers``.
    """
    if n_layers < 1:
        raise ValueError(f"n_layers must be >= 1, got {n_layers}")
    spec = as_norm_spec(norm)
    kw, pad = 4, math.ceil((4 - 1) / 2)
    stages = [nn.Sequential(spec.conv(nn.Conv2d(input_nc, ndf, kw, stride=2, padding=pad)), nn.LeakyReLU(0.2, True))]
    nf = ndf
    for n in range(1, n_layers + 1):
        prev, nf = nf, min(nf * 2, 512)
        stride = 2 if n < n_layers else 1
        stages.append(
            nn.Sequential(
                spec.conv(nn.Conv2d(prev, nf, kw, stride=stride, padding=pad)), spec.layer(nf), nn.LeakyReLU(0.2, True)
            )
        )
    stages.append(nn.Sequential(spec.conv(nn.Conv2d(nf, 1, kw, stride=1, padding=pad))))
    return stages


def run_stages(stages: list[nn.Module], x: torch.Tensor) -> ScaleOutput:
    """Apply ``stages`` in turn: every stage's output but the last is a feature, the last is the logits."""
    features = []
    for stage in stages[:-1]:
        x = stage(x)
        features.append(x)
    return ScaleOutput(features=features, logits=stages[-1](x))


class NLayerDiscriminator(nn.Module):
    """Single-scale PatchGAN: ``(B, input_nc, H, W) ->`` :class:`ScaleOutput` (``n_layers + 1`` feature maps
    and a ``(B, 1, h, w)`` logit map). Keys ``model{j}.{k}`` as pix2pixHD's ``getIntermFeat`` layout."""

    def __init__(self, input_nc: int, ndf: int = 64, n_layers: int = 3, norm: NormLike = "instance") -> None:
        super().__init__()
        self.n_stages = n_layers + 2
        for j, stage in enumerate(patch_discriminator_layers(input_nc, ndf, n_layers, norm)):
            setattr(self, f"model{j}", stage)

    def forward(self, x: torch.Tensor) -> ScaleOutput:
        return run_stages([getattr(self, f"model{j}") for j in range(self.n_stages)], x)


class MultiscalePatchDiscriminator(Discriminator):
    """Multi-scale PatchGAN (pix2pixHD), unconditional or conditional.

    ``forward(frames (B, channels, H, W), condition=None)``: with ``condition_channels > 0`` the condition
    ``(B, condition_channels, H, W)`` (e.g. a label map or pose rendering) is concatenated in front of the
    frames, as pix2pixHD and vid2vid do. Scale ``i`` sees the input average-pooled ``i`` times
    (``AvgPool2d(3, 2, 1, count_include_pad=False)``). Returns one :class:`ScaleOutput` per scale, finest
    first, each with ``n_layers + 1`` intermediate feature maps and the logits ``(B, 1, h_i, w_i)``.
    Frames may be in either range the caller trains with (pix2pixHD uses [-1, 1]).
    """

    name = "multiscale_patch"

    class Config(Config):
        channels: int = Field(3, ge=1, description="channels of the judged frames")
        condition_channels: int = Field(0, ge=0, description="channels of the condition (0: unconditional)")
        ndf: int = Field(64, ge=1, description="filters of the first layer (official --ndf)")
        n_layers: int = Field(3, ge=1, description="official --n_layers_D")
        num_scales: int = Field(2, ge=1, description="official --num_D")
        norm: NormName = "instance"

    def __init__(self, config: Optional[Config] = None, **params) -> None:
        super().__init__(config, **params)
        c = self.config
        input_nc = c.channels + c.condition_channels
        self.n_stages = c.n_layers + 2
        for i in range(c.num_scales):
            for j, stage in enumerate(patch_discriminator_layers(input_nc, c.ndf, c.n_layers, c.norm)):
                setattr(self, f"scale{i}_layer{j}", stage)
        self.downsample = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)

    def forward(self, frames: torch.Tensor, condition: Optional[torch.Tensor] = None) -> list[ScaleOutput]:
        c = self.config
        if frames.dim() != 4 or frames.shape[1] != c.channels:
            raise InputError(f"frames must have shape (B, {c.channels}, H, W), got {tuple(frames.shape)}")
        x = frames
        if c.condition_channels:
            if condition is None:
                raise InputError(f"this discriminator is conditional: pass condition (B, {c.condition_channels}, H, W)")
            expected = (frames.shape[0], c.condition_channels, *frames.shape[2:])
            if tuple(condition.shape) != expected:
                raise InputError(f"condition must have shape {expected}, got {tuple(condition.shape)}")
            x = torch.cat([condition.to(frames.dtype), frames], dim=1)
        elif condition is not None:
            raise InputError("this discriminator is unconditional (condition_channels=0) but got a condition")
        outputs = []
        for i in range(c.num_scales):
            scale = c.num_scales - 1 - i
            outputs.append(run_stages([getattr(self, f"scale{scale}_layer{j}") for j in range(self.n_stages)], x))
            if i != c.num_scales - 1:
                x = self.downsample(x)
        return outputs
