"""The first-order motion model's multi-scale discriminator, optionally conditioned on keypoint heatmaps.

Each scale is a pix2pix-style patch discriminator on an anti-aliased downsampled copy of the frames:
``num_blocks`` 4x4 convolutions (no padding) with LeakyReLU(0.2), InstanceNorm after the first block and
2x2 average pooling after all but the last, then a 1x1 convolution to logits. With ``sn`` every
convolution is spectrally normalised (``torch.nn.utils.spectral_norm``, so state dicts hold
``weight_orig``/``weight_u``/``weight_v`` as the official checkpoints do). With ``use_kp`` the Gaussian
heatmaps of the keypoints are concatenated to the input. Parameter names follow the official
checkpoints (``discs.<scale>.down_blocks.<i>.conv...``, scale ``0.5`` spelled ``0-5``).
"""
from __future__ import annotations

from typing import Optional, Union

import torch
import torch.nn.functional as F
from pydantic import Field, field_validator
from torch import nn

from ..interfaces import Config, Discriminator, ScaleOutput
from ..motion import Keypoints
from ..ops import AntiAliasDownsample, keypoints_to_gaussians


def _maybe_spectral(module: nn.Module, enabled: bool) -> nn.Module:
    return nn.utils.spectral_norm(module) if enabled else module


class PatchDownBlock(nn.Module):
    """4x4 conv (no padding) -> optional InstanceNorm -> LeakyReLU(0.2) -> optional 2x2 average pooling."""

    def __init__(self, in_features: int, out_features: int, *, norm: bool, pool: bool, sn: bool) -> None:
        super().__init__()
        self.conv = _maybe_spectral(nn.Conv2d(in_features, out_features, kernel_size=4), sn)
        self.norm = nn.InstanceNorm2d(out_features, affine=True) if norm else None
        self.pool = pool

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv(x)
        if self.norm is not None:
            out = self.norm(out)
        out = F.leaky_relu(out, 0.2)
        if self.pool:
            out = F.avg_pool2d(out, (2, 2))
        return out


class PatchDiscriminator(nn.Module):
    """One scale: ``forward(x (B, C [+ K], H, W))`` -> ``ScaleOutput(features per block, logits (B, 1, h, w))``."""

    def __init__(self, in_features: int, block_expansion: int, num_blocks: int, max_features: int, sn: bool) -> None:
        super().__init__()
        widths = [min(max_features, block_expansion * (2 ** (i + 1))) for i in range(num_blocks)]
        self.down_blocks = nn.ModuleList(
            PatchDownBlock(
                in_features if i == 0 else min(max_features, block_expansion * (2 ** i)),
                widths[i],
                norm=i != 0,
                pool=i != num_blocks - 1,
                sn=sn,
            )
            for i in range(num_blocks)
        )
        self.conv = _maybe_spectral(nn.Conv2d(widths[-1], 1, kernel_size=1), sn)

    def forward(self, x: torch.Tensor) -> ScaleOutput:
        features = []
        out = x
        for block in self.down_blocks:
            out = block(out)
            features.append(out)
        return ScaleOutput(features=features, logits=self.conv(out))


def scale_key(scale: float) -> str:
    """The official module-dict key of a scale: ``1`` -> ``"1"``, ``0.5`` -> ``"0-5"``."""
    return f"{scale:g}".replace(".", "-")


class KeypointDiscriminator(Discriminator):
    """Multi-scale patch discriminator with optional keypoint heatmaps (first-order motion model).

    ``forward(frames (B, num_channels, H, W) in [0, 1], condition=None)`` -> one :class:`ScaleOutput` per
    entry of ``scales`` in config order. ``condition`` is the frames' keypoints (``Keypoints`` or a
    ``(B, K, 2)`` tensor, normalised); it is required when ``use_kp`` is set and ignored otherwise.
    Frames for scale ``s < 1`` are anti-aliased and subsampled by ``1 / s`` (the official image pyramid).
    """

    name = "keypoint_multiscale"

    class Config(Config):
        scales: tuple[float, ...] = Field((1.0,), min_length=1, description="image scales, each in (0, 1]")
        num_channels: int = Field(3, ge=1, description="image channels")
        block_expansion: int = Field(64, ge=1, description="channels of the first block (doubled per block)")
        num_blocks: int = Field(4, ge=1, description="down blocks per scale")
        max_features: int = Field(512, ge=1, description="channel cap")
        sn: bool = Field(False, description="spectral normalisation on every convolution")
        use_kp: bool = Field(False, description="concatenate keypoint Gaussian heatmaps to the input")
        num_kp: int = Field(10, ge=1, description="keypoints (input channels added when use_kp)")
        kp_variance: float = Field(0.01, gt=0, description="heatmap variance in normalised units squared")

        @field_validator("scales")
        @classmethod
        def _scales_in_range(cls, scales: tuple[float, ...]) -> tuple[float, ...]:
            for s in scales:
                if not 0 < s <= 1:
                    raise ValueError(f"every scale must be in (0, 1], got {s}")
            if len({scale_key(s) for s in scales}) != len(scales):
                raise ValueError(f"scales must be distinct, got {scales}")
            return scales

    def __init__(self, config: Optional[Config] = None, **params) -> None:
        super().__init__(config, **params)
        c = self.config
        in_features = c.num_channels + (c.num_kp if c.use_kp else 0)
        self.discs = nn.ModuleDict(
            {
                scale_key(s): PatchDiscriminator(in_features, c.block_expansion, c.num_blocks, c.max_features, c.sn)
                for s in c.scales
            }
        )
        # The pyramid holds fixed kernels that official checkpoints do not store: kept outside the state dict.
        self._downsample = {scale_key(s): AntiAliasDownsample(c.num_channels, s) for s in c.scales}

    def forward(
        self, frames: torch.Tensor, condition: Union[Keypoints, torch.Tensor, None] = None
    ) -> list[ScaleOutput]:
        if frames.dim() != 4 or frames.shape[1] != self.config.num_channels:
            raise ValueError(
                f"{type(self).__name__}: frames must be (B, {self.config.num_channels}, H, W), got {tuple(frames.shape)}"
            )
        keypoints = condition.value if isinstance(condition, Keypoints) else condition
        if self.config.use_kp and keypoints is None:
            raise ValueError(f"{type(self).__name__} was built with use_kp=True: pass the keypoints as condition")
        outputs = []
        for key, disc in self.discs.items():
            x = self._downsample[key](frames)
            if self.config.use_kp:
                heatmaps = keypoints_to_gaussians(
                    keypoints.to(x.dtype), x.shape[2:], variance=self.config.kp_variance, align_corners=True
                )
                x = torch.cat([x, heatmaps], dim=1)
            outputs.append(disc(x))
        return outputs
