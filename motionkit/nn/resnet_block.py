"""pix2pixHD's residual block (also used by vid2vid and EverybodyDanceNow), with the official key layout."""
from __future__ import annotations

from typing import Literal

import torch
from torch import nn

from .norm import NormLike, as_norm_spec

PaddingType = Literal["reflect", "replicate", "zero"]


def padding_layers(padding: PaddingType, amount: int) -> tuple[list[nn.Module], int]:
    """Explicit padding layers for ``padding`` and the ``padding=`` argument for the convolution after them."""
    if padding == "reflect":
        return [nn.ReflectionPad2d(amount)], 0
    if padding == "replicate":
        return [nn.ReplicationPad2d(amount)], 0
    if padding == "zero":
        return [], amount
    raise ValueError(f"unknown padding {padding!r}; choose reflect, replicate or zero")


class ResnetBlock(nn.Module):
    """``x + F(x)`` with ``F`` = pad, conv3x3, norm, activation, [dropout], pad, conv3x3, norm.

    ``F`` is the ``nn.Sequential`` ``conv_block``; with reflect padding its convolutions are
    ``conv_block.1`` and ``conv_block.5`` (``conv_block.6`` with dropout), as in official checkpoints.
    Input and output ``(B, dim, H, W)``.
    """

    def __init__(
        self,
        dim: int,
        norm: NormLike = "instance",
        padding: PaddingType = "reflect",
        activation: nn.Module | None = None,
        dropout: bool = False,
    ) -> None:
        super().__init__()
        spec = as_norm_spec(norm)
        layers: list[nn.Module] = []
        for second in (False, True):
            pads, p = padding_layers(padding, 1)
            layers += pads
            layers += [spec.conv(nn.Conv2d(dim, dim, kernel_size=3, padding=p)), spec.layer(dim)]
            if not second:
                layers.append(activation if activation is not None else nn.ReLU(True))
                if dropout:
                    layers.append(nn.Dropout(0.5))
        self.conv_block = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv_block(x)
