"""Total variation / smoothness of an image or a flow field."""
from __future__ import annotations

from typing import Literal

import torch

from motionkit.interfaces import Config, Loss


class TotalVariationLoss(Loss):
    """``forward(x (B, C, H, W))``: mean of ``|x[..., i+1, j] - x[..., i, j]|`` plus mean of
    ``|x[..., i, j+1] - x[..., i, j]|`` (squared with ``penalty="l2"``); for flows ``(B, 2, H, W)`` this is
    the first-order flow smoothness term, in the flow's units."""

    name = "total_variation"

    class Config(Config):
        penalty: Literal["l1", "l2"] = "l1"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[-1] < 2 or x.shape[-2] < 2:
            raise ValueError(f"x must have shape (B, C, H, W) with H, W >= 2, got {tuple(x.shape)}")
        dy = x[..., 1:, :] - x[..., :-1, :]
        dx = x[..., :, 1:] - x[..., :, :-1]
        if self.config.penalty == "l1":
            return dy.abs().mean() + dx.abs().mean()
        return (dy**2).mean() + (dx**2).mean()
