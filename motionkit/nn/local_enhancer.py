"""pix2pixHD's coarse-to-fine generator: a global generator on the input downsampled ``n_local_enhancers``
times, refined by one local enhancer per finer scale (official key layout: ``model`` is the global part
without its output head; ``model{n}_1`` the enhancer's front end and ``model{n}_2`` its residual blocks,
upsampling and, for the finest one, the output head)."""
from __future__ import annotations

import torch
from torch import nn

from .global_generator import global_generator_layers
from .norm import NormLike, as_norm_spec
from .resnet_block import PaddingType, ResnetBlock


class LocalEnhancer(nn.Module):
    """``(B, input_nc, H, W) -> (B, output_nc, H, W)`` in ``[-1, 1]``.

    ``H`` and ``W`` must be divisible by ``2 ** (n_downsample_global + n_local_enhancers)``. Enhancer ``n``
    has ``ngf * 2 ** (n_local_enhancers - n)`` filters; the global part has ``ngf * 2 ** n_local_enhancers``.
    """

    def __init__(
        self,
        input_nc: int,
        output_nc: int,
        ngf: int = 32,
        n_downsample_global: int = 3,
        n_blocks_global: int = 9,
        n_local_enhancers: int = 1,
        n_blocks_local: int = 3,
        norm: NormLike = "instance",
        padding: PaddingType = "reflect",
    ) -> None:
        super().__init__()
        if n_local_enhancers < 1:
            raise ValueError(f"n_local_enhancers must be >= 1, got {n_local_enhancers}")
        spec = as_norm_spec(norm)
        self.n_local_enhancers = n_local_enhancers
        self.n_downsample_global = n_downsample_global
        global_layers = global_generator_layers(
            input_nc, output_nc, ngf * 2**n_local_enhancers, n_downsample_global, n_blocks_global, spec, padding
        )
        self.model = nn.Sequential(*global_layers[:-3])
        for n in range(1, n_local_enhancers + 1):
            channels = ngf * 2 ** (n_local_enhancers - n)
            front = [
                nn.ReflectionPad2d(3),
                spec.conv(nn.Conv2d(input_nc, channels, kernel_size=7, padding=0)),
                spec.layer(channels),
                nn.ReLU(True),
                spec.conv(nn.Conv2d(channels, channels * 2, kernel_size=3, stride=2, padding=1)),
                spec.layer(channels * 2),
                nn.ReLU(True),
            ]
            back: list[nn.Module] = [ResnetBlock(channels * 2, norm=spec, padding=padding) for _ in range(n_blocks_local)]
            back += [
                spec.conv(
                    nn.ConvTranspose2d(channels * 2, channels, kernel_size=3, stride=2, padding=1, output_padding=1)
                ),
                spec.layer(channels),
                nn.ReLU(True),
            ]
            if n == n_local_enhancers:
                back += [
                    nn.ReflectionPad2d(3),
                    spec.conv(nn.Conv2d(ngf, output_nc, kernel_size=7, padding=0)),
                    nn.Tanh(),
                ]
            setattr(self, f"model{n}_1", nn.Sequential(*front))
            setattr(self, f"model{n}_2", nn.Sequential(*back))
        self.downsample = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)

    def forward_with_global(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The output and the global part's features ``(B, ngf * 2**n_local_enhancers, H / 2**n, W / 2**n)``."""
        pyramid = [x]
        for _ in range(self.n_local_enhancers):
            pyramid.append(self.downsample(pyramid[-1]))
        global_features = self.model(pyramid[-1])
        out = global_features
        for n in range(1, self.n_local_enhancers + 1):
            front = getattr(self, f"model{n}_1")
            back = getattr(self, f"model{n}_2")
            out = back(front(pyramid[self.n_local_enhancers - n]) + out)
        return out, global_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_with_global(x)[0]
