"""KL divergence of a diagonal Gaussian latent from the standard normal (VAE-style encoders)."""
from __future__ import annotations

from typing import Literal

import torch
from pydantic import Field

from motionkit.interfaces import Config, Loss


class GaussianKLLoss(Loss):
    """``forward(mu, logvar)`` (same shape, ``(B, ...)``): ``KL(N(mu, exp(logvar)) || N(0, I))``
    ``= -0.5 * (1 + logvar - mu^2 - exp(logvar))`` summed over all elements (``reduction="sum"``, as
    SPADE-style encoders), summed over latent dimensions and averaged over the batch (``"batch_mean"``),
    or averaged over all elements (``"mean"``)."""

    name = "gaussian_kl"

    class Config(Config):
        reduction: Literal["sum", "batch_mean", "mean"] = Field("sum")

    def forward(self, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        if mu.shape != logvar.shape or mu.dim() < 1:
            raise ValueError(f"mu {tuple(mu.shape)} and logvar {tuple(logvar.shape)} must have the same (B, ...) shape")
        kl = -0.5 * (1 + logvar - mu**2 - torch.exp(logvar))
        if self.config.reduction == "sum":
            return kl.sum()
        if self.config.reduction == "batch_mean":
            return kl.sum() / mu.shape[0]
        return kl.mean()
