"""Unsupervised keypoint detector of the first-order motion model (Siarohin et al., 2019, Sec. 3.1).

An hourglass predicts one heatmap per keypoint (spatial softmax at a temperature); keypoints are the
heatmaps' expected positions and, with ``estimate_jacobian``, each keypoint's 2x2 jacobian is the
heatmap-weighted average of a dense 4-channel regression.
"""
from __future__ import annotations

from typing import Optional

import torch
from pydantic import Field
from torch import nn

import motionkit as mk
from motionkit.nn import Hourglass
from motionkit.ops import AntiAliasDownsample, heatmap_weighted_jacobians, heatmaps_to_keypoints, softmax_heatmaps


class KeypointDetectorParams(mk.Config):
    """The official ``kp_detector_params`` section (architecture of the detector)."""

    temperature: float = Field(0.1, gt=0, description="softmax temperature of the keypoint heatmaps")
    block_expansion: int = Field(32, ge=1, description="hourglass channel multiplier")
    max_features: int = Field(1024, ge=1, description="hourglass channel cap")
    num_blocks: int = Field(5, ge=1, description="hourglass levels (input side must be divisible by 2**num_blocks)")
    scale_factor: float = Field(1.0, gt=0, le=1, description="keypoints are detected on frames resized by this")
    single_jacobian_map: bool = Field(False, description="one jacobian regression shared by all keypoints")
    pad: int = Field(0, ge=0, description="padding of the 7x7 keypoint/jacobian convolutions")


class CommonParams(mk.Config):
    """The official ``common_params`` section, shared by every network."""

    num_kp: int = Field(10, ge=1, description="number of keypoints")
    num_channels: int = Field(3, ge=1, description="image channels")
    estimate_jacobian: bool = Field(True, description="first-order (keypoints + jacobians) or zeroth-order model")


class KeypointDetector(mk.MotionRepresentation):
    """``forward(frames (B, num_channels, H, W) in [0, 1])`` -> :class:`motionkit.Keypoints`.

    ``value`` ``(B, num_kp, 2)`` normalised (x first, align_corners=True grid of the heatmaps, as the
    official model); ``jacobian`` ``(B, num_kp, 2, 2)`` when ``estimate_jacobian``, else ``None``.
    ``heatmaps(frames)`` also returns the ``(B, num_kp, h, w)`` heatmaps.
    """

    name = "first-order.keypoints"

    class Config(KeypointDetectorParams, CommonParams):
        pass

    def __init__(self, config: Optional[Config] = None, **params) -> None:
        super().__init__(config, **params)
        c = self.config
        self.predictor = Hourglass(c.block_expansion, in_features=c.num_channels, max_features=c.max_features,
                                   num_blocks=c.num_blocks)
        self.kp = nn.Conv2d(self.predictor.out_filters, c.num_kp, kernel_size=(7, 7), padding=c.pad)
        if c.estimate_jacobian:
            self.num_jacobian_maps = 1 if c.single_jacobian_map else c.num_kp
            self.jacobian = nn.Conv2d(self.predictor.out_filters, 4 * self.num_jacobian_maps, kernel_size=(7, 7),
                                      padding=c.pad)
            # start from identity jacobians
            with torch.no_grad():
                self.jacobian.weight.zero_()
                self.jacobian.bias.copy_(torch.tensor([1.0, 0.0, 0.0, 1.0] * self.num_jacobian_maps))
        else:
            self.jacobian = None
        if c.scale_factor != 1:
            self.down = AntiAliasDownsample(c.num_channels, c.scale_factor)

    def heatmaps(self, frames: torch.Tensor) -> tuple[mk.Keypoints, torch.Tensor]:
        """Keypoints and their heatmaps ``(B, num_kp, h, w)`` (each map sums to 1)."""
        if frames.dim() != 4 or frames.shape[1] != self.config.num_channels:
            raise ValueError(
                f"{type(self).__name__}: frames must be (B, {self.config.num_channels}, H, W), got {tuple(frames.shape)}"
            )
        if self.config.scale_factor != 1:
            frames = self.down(frames)
        features = self.predictor(frames)
        heatmaps = softmax_heatmaps(self.kp(features), temperature=self.config.temperature)
        value = heatmaps_to_keypoints(heatmaps, align_corners=True)
        jacobian = None
        if self.jacobian is not None:
            jacobian = heatmap_weighted_jacobians(heatmaps, self.jacobian(features))
        return mk.Keypoints(value, jacobian), heatmaps

    def forward(self, frames: torch.Tensor) -> mk.Keypoints:
        return self.heatmaps(frames)[0]
