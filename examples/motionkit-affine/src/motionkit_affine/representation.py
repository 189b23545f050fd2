"""A tiny CNN that reads one global affine motion off a frame."""
from __future__ import annotations

import torch
from pydantic import Field
from torch import nn

import motionkit as mk


class GlobalAffineEstimator(mk.MotionRepresentation):
    """Frame ``(B, 3, H, W)`` in [0, 1] -> ``Keypoints`` with one keypoint: value ``(B, 1, 2)`` is the
    translation and jacobian ``(B, 1, 2, 2)`` the linear part, in normalised coordinates."""

    name = "affine.global"

    class Config(mk.Config):
        channels: int = Field(16, ge=1, description="width of the first convolution")
        num_layers: int = Field(4, ge=1, le=8, description="stride-2 convolutions before pooling")

    def __init__(self, config=None, **params):
        super().__init__(config, **params)
        layers, width, in_ch = [], self.config.channels, 3
        for _ in range(self.config.num_layers):
            layers += [nn.Conv2d(in_ch, width, 3, stride=2, padding=1), nn.LeakyReLU(0.2)]
            in_ch, width = width, width * 2
        self.features = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Linear(in_ch, 6)
        nn.init.zeros_(self.head.weight)  # start at the identity transform
        with torch.no_grad():
            self.head.bias.copy_(torch.tensor([0.0, 0.0, 1.0, 0.0, 0.0, 1.0]))

    def forward(self, frames: torch.Tensor) -> mk.Keypoints:
        params = self.head(self.features(frames))
        translation = params[:, None, :2]
        jacobian = params[:, 2:].view(-1, 1, 2, 2)
        return mk.Keypoints(value=translation, jacobian=jacobian)
