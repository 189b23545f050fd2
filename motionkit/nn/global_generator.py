"""pix2pixHD's global generator G1: conv7 stem, strided-conv downsampling, residual blocks, transposed-conv
upsampling and a conv7 + tanh head, as one ``nn.Sequential`` named ``model`` (official key layout:
``model.1.weight`` is the stem convolution)."""
from __future__ import annotations

import torch
from torch import nn

from .norm import NormLike, as_norm_spec
from .resnet_block import PaddingType, ResnetBlock


def global_generator_layers(
    input_nc: int,
    output_nc: int,
    ngf: int = 64,
    n_downsampling: int = 3,
    n_blocks: int = 9,
    norm: NormLike = "instance",
    padding: PaddingType = "reflect",
) -> list[nn.Module]:
    """The layers of :class:`GlobalGenerator` in official order; the last three are the output head
    (reflection pad, conv7 to ``output_nc``, tanh), which :class:`~motionkit.nn.local_enhancer.LocalEnhancer`
    drops."""
    if n_blocks < 0 or n_downsampling < 0:
        raise ValueError(f"n_blocks and n_downsampling must be >= 0, got {n_blocks} and {n_downsampling}")
    spec = as_norm_spec(norm)
    layers: list[nn.Module] = [
        nn.ReflectionPad2d(3),
        spec.conv(nn.Conv2d(input_nc, ngf, kernel_size=7, padding=0)),
        spec.layer(ngf),
        nn.ReLU(True),
    ]
    for i in range(n_downsampling):
        channels = ngf * 2**i
        layers += [
            spec.conv(nn.Conv2d(channels, channels * 2, kernel_size=3, stride=2, padding=1)),
            spec.layer(channels * 2),
            nn.ReLU(True),
        ]
    bottleneck = ngf * 2**n_downsampling
    layers += [ResnetBlock(bottleneck, norm=spec, padding=padding) for _ in range(n_blocks)]
    for i in range(n_downsampling):
        channels = ngf * 2 ** (n_downsampling - i)
        layers += [
            spec.conv(
                nn.ConvTranspose2d(channels, channels // 2, kernel_size=3, stride=2, padding=1, output_padding=1)
            ),
            spec.layer(channels // 2),
            nn.ReLU(True),
        ]
    layers += [nn.ReflectionPad2d(3), spec.conv(nn.Conv2d(ngf, output_nc, kernel_size=7, padding=0)), nn.Tanh()]
    return layers


class GlobalGenerator(nn.Module):
    """``(B, input_nc, H, W) -> (B, output_nc, H, W)`` in ``[-1, 1]``; ``H`` and ``W`` must be divisible by
    ``2 ** n_downsampling``."""

    def __init__(
        self,
        input_nc: int,
        output_nc: int,
        ngf: int = 64,
        n_downsampling: int = 3,
        n_blocks: int = 9,
        norm: NormLike = "instance",
        padding: PaddingType = "reflect",
    ) -> None:
        super().__init__()
        self.n_downsampling = n_downsampling
        self.model = nn.Sequential(
            *global_generator_layers(input_nc, output_nc, ngf, n_downsampling, n_blocks, norm, padding)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)
