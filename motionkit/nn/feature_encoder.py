"""pix2pixHD's feature encoder E: an encoder-decoder whose output is averaged per instance, giving one
low-dimensional feature vector per object (official key layout: a ``nn.Sequential`` named ``model``)."""
from __future__ import annotations

import torch
from torch import nn

from .global_generator import global_generator_layers
from .instance_pooling import instance_average
from .norm import NormLike


class FeatureEncoder(nn.Module):
    """``forward(image (B, input_nc, H, W) in [-1, 1], instances (B, H, W) int) -> (B, output_nc, H, W)``,
    constant over each instance. ``H`` and ``W`` must be divisible by ``2 ** n_downsampling``.

    The encoder-decoder is the global generator's layout without residual blocks (as in the official code).
    """

    def __init__(
        self,
        input_nc: int = 3,
        output_nc: int = 3,
        ngf: int = 16,
        n_downsampling: int = 4,
        norm: NormLike = "instance",
    ) -> None:
        super().__init__()
        self.output_nc = output_nc
        self.model = nn.Sequential(
            *global_generator_layers(input_nc, output_nc, ngf, n_downsampling, n_blocks=0, norm=norm)
        )

    def forward(self, image: torch.Tensor, instances: torch.Tensor) -> torch.Tensor:
        return instance_average(self.model(image), instances)
