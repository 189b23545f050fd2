"""Pixel-wise L1 reconstruction loss, optionally masked."""
from __future__ import annotations

from typing import Optional

import torch
from pydantic import Field

from motionkit.interfaces import Config, Loss


class L1Loss(Loss):
    """``forward(prediction, target, mask=None)``: ``mean|prediction - target|``.

    ``mask`` (broadcastable to the inputs, e.g. ``(B, 1, H, W)`` in [0, 1]) weights each pixel. By default
    the masked error is averaged over all elements (vid2vid's ``MaskedL1Loss``); with
    ``normalize_by_mask`` it is divided by the mask's total weight instead.
    """

    name = "l1"

    class Config(Config):
        normalize_by_mask: bool = Field(False, description="divide by the mask's sum instead of the element count")

    def forward(
        self, prediction: torch.Tensor, target: torch.Tensor, mask: Optional[torch.Tensor] = None
    ) -> torch.Tensor:
        if prediction.shape != target.shape:
            raise ValueError(f"prediction {tuple(prediction.shape)} and target {tuple(target.shape)} differ in shape")
        error = torch.abs(prediction - target)
        if mask is None:
            return error.mean()
        mask = mask.to(error.dtype).expand_as(error)
        if self.config.normalize_by_mask:
            return (error * mask).sum() / mask.sum().clamp_min(torch.finfo(error.dtype).eps)
        return (error * mask).mean()
