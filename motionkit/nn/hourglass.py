"""The first-order motion model's hourglass (U-Net): an encoder of down blocks, a decoder of up blocks
with skip connections, and the input concatenated to the output.

Channel widths: encoder level ``i`` outputs ``min(max_features, block_expansion * 2 ** (i + 1))``; the
output has ``block_expansion + in_features`` channels. The input side must be divisible by
``2 ** num_blocks``. Parameter names follow the official checkpoints.
"""
from __future__ import annotations

import torch
from torch import nn

from .blocks import DownBlock2d, UpBlock2d


def _width(level: int, block_expansion: int, max_features: int) -> int:
    return min(max_features, block_expansion * (2 ** level))


class Encoder(nn.Module):
    """``forward(x (B, C, H, W))`` -> ``[x, level 1, ..., level num_blocks]``, level ``i`` at ``H / 2**i``."""

    def __init__(self, block_expansion: int, in_features: int, num_blocks: int = 3, max_features: int = 256) -> None:
        super().__init__()
        self.down_blocks = nn.ModuleList(
            DownBlock2d(
                in_features if i == 0 else _width(i, block_expansion, max_features),
                _width(i + 1, block_expansion, max_features),
                kernel_size=3,
                padding=1,
            )
            for i in range(num_blocks)
        )

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        outs = [x]
        for block in self.down_blocks:
            outs.append(block(outs[-1]))
        return outs


class Decoder(nn.Module):
    """``forward(encoder outputs)`` -> ``(B, block_expansion + in_features, H, W)`` (the list is not modified)."""

    def __init__(self, block_expansion: int, in_features: int, num_blocks: int = 3, max_features: int = 256) -> None:
        super().__init__()
        self.up_blocks = nn.ModuleList(
            UpBlock2d(
                (1 if i == num_blocks - 1 else 2) * _width(i + 1, block_expansion, max_features),
                _width(i, block_expansion, max_features),
                kernel_size=3,
                padding=1,
            )
            for i in reversed(range(num_blocks))
        )
        self.out_filters = block_expansion + in_features

    def forward(self, features: list[torch.Tensor]) -> torch.Tensor:
        if len(features) != len(self.up_blocks) + 1:
            raise ValueError(f"Decoder expects {len(self.up_blocks) + 1} feature maps, got {len(features)}")
        out = features[-1]
        for block, skip in zip(self.up_blocks, reversed(features[:-1])):
            out = torch.cat([block(out), skip], dim=1)
        return out


class Hourglass(nn.Module):
    """Encoder + decoder: ``(B, in_features, H, W)`` -> ``(B, out_filters, H, W)``, ``out_filters = block_expansion + in_features``."""

    def __init__(self, block_expansion: int, in_features: int, num_blocks: int = 3, max_features: int = 256) -> None:
        super().__init__()
        self.encoder = Encoder(block_expansion, in_features, num_blocks, max_features)
        self.decoder = Decoder(block_expansion, in_features, num_blocks, max_features)
        self.out_filters = self.decoder.out_filters
        self.num_blocks = num_blocks

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        factor = 2 ** self.num_blocks
        if x.shape[-2] % factor or x.shape[-1] % factor:
            raise ValueError(
                f"Hourglass with {self.num_blocks} blocks needs height and width divisible by {factor}, "
                f"got {tuple(x.shape[-2:])}"
            )
        return self.decoder(self.encoder(x))
