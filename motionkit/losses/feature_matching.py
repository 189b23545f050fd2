"""Discriminator feature matching: L1 between the discriminator's features of fake and real samples."""
from __future__ import annotations

from typing import Optional

import torch
from pydantic import Field

from motionkit.interfaces import Config, Loss
from motionkit.losses.l1 import mean_absolute_error

from .discriminator_outputs import DiscriminatorOutputs, per_discriminator


class FeatureMatchingLoss(Loss):
    """``forward(fake_outputs, real_outputs)``: sum over discriminators, scales and layers of
    ``weight * mean|F_fake - F_real|`` (real features are detached).

    Default weighting (``layer_weights=None``) is pix2pixHD's: ``(1 / num_scales) * (4 / num_layers)``
    for every layer of every scale (``num_layers = n_layers_D + 1`` feature maps per scale). With
    ``layer_weights`` (FOMM: ``[10, 10, 10, 10]``) layer ``j`` of every scale weighs ``layer_weights[j]``
    and scales are summed.
    """

    name = "feature_matching"

    class Config(Config):
        layer_weights: Optional[list[float]] = Field(None, description="per-layer weights; None: pix2pixHD's")

    def forward(self, fake_outputs: DiscriminatorOutputs, real_outputs: DiscriminatorOutputs) -> torch.Tensor:
        fake_groups, real_groups = per_discriminator(fake_outputs), per_discriminator(real_outputs)
        if [len(g) for g in fake_groups] != [len(g) for g in real_groups]:
            raise ValueError("fake and real discriminator outputs have different numbers of discriminators/scales")
        weights = self.config.layer_weights
        total = 0
        for fake_scales, real_scales in zip(fake_groups, real_groups):
            for fake, real in zip(fake_scales, real_scales):
                if len(fake.features) != len(real.features):
                    raise ValueError("fake and real outputs have different numbers of feature maps")
                if weights is not None and len(weights) != len(fake.features):
                    raise ValueError(
                        f"layer_weights has {len(weights)} entries but the discriminator gives "
                        f"{len(fake.features)} feature maps per scale"
                    )
                for j, (a, b) in enumerate(zip(fake.features, real.features)):
                    if weights is None:
                        weight = 4.0 / len(fake.features) / len(fake_scales)
                    else:
                        weight = weights[j]
                    if weight:
                        total = total + weight * mean_absolute_error(a, b.detach())
        if not isinstance(total, torch.Tensor):
            raise ValueError("feature matching needs discriminator outputs with features")
        return total
