"""Adversarial losses over (multi-scale) discriminator logits."""
from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from pydantic import Field

from motionkit.interfaces import Config, Loss

from .discriminator_outputs import DiscriminatorOutputs, per_discriminator


def _scale_loss(logits: torch.Tensor, mode: str, real: bool, for_discriminator: bool) -> torch.Tensor:
    if mode == "lsgan":
        return torch.mean((logits - 1) ** 2) if real else torch.mean(logits**2)
    if mode == "non_saturating":
        return F.softplus(-logits).mean() if real else F.softplus(logits).mean()
    # hinge
    if for_discriminator:
        return F.relu(1 - logits).mean() if real else F.relu(1 + logits).mean()
    if not real:
        raise ValueError("the hinge generator loss is defined for real=True only (it maximises the fake logits)")
    return -logits.mean()


class GANLoss(Loss):
    """GAN objective on discriminator logits, summed over scales and discriminators.

    ``forward(outputs, real, for_discriminator)``: ``outputs`` as a discriminator returns them (see
    :func:`~motionkit.losses.discriminator_outputs.per_discriminator`); ``real`` is the target (``True`` for
    real samples in the discriminator step and for fakes in the generator step).

    * ``lsgan`` (pix2pixHD, vid2vid, FOMM): ``mean((D - 1)^2)`` for real, ``mean(D^2)`` for fake.
    * ``non_saturating`` (the original GAN with the non-saturating generator loss, on logits):
      ``mean(softplus(-D))`` for real, ``mean(softplus(D))`` for fake.
    * ``hinge``: discriminator ``mean(relu(1 - D))`` / ``mean(relu(1 + D))``; generator ``-mean(D)``.

    Each scale's value is a mean over its logit map; scales are summed (``scale_reduction="sum"``, as
    pix2pixHD) or averaged.
    """

    name = "gan"

    class Config(Config):
        mode: Literal["lsgan", "hinge", "non_saturating"] = "lsgan"
        scale_reduction: Literal["sum", "mean"] = Field("sum", description="combine the scales of a discriminator")

    def forward(self, outputs: DiscriminatorOutputs, real: bool, for_discriminator: bool = True) -> torch.Tensor:
        total = 0
        for scales in per_discriminator(outputs):
            values = [_scale_loss(s.logits, self.config.mode, real, for_discriminator) for s in scales]
            value = torch.stack(values).sum()
            total = total + (value / len(values) if self.config.scale_reduction == "mean" else value)
        return total
