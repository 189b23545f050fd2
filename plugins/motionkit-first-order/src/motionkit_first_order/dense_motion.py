"""Dense motion network of the first-order motion model (Siarohin et al., 2019, Sec. 3.2).

From source/driving keypoints it builds K sparse motions (Eq. 4) plus the identity (background), warps a
downsampled source by each, and lets an hourglass on [heatmap differences (Eq. 6), warped sources]
predict soft masks over the K + 1 motions; the dense deformation is their mask-weighted sum (Eq. 5).
An optional second head predicts the occlusion map.
"""
from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from pydantic import Field
from torch import nn

import motionkit as mk
from motionkit.nn import Hourglass
from motionkit.ops import AntiAliasDownsample, keypoints_to_gaussians, sparse_motions, warp_by_grid

from .keypoint_detector import CommonParams


class DenseMotionParams(mk.Config):
    """The official ``generator_params.dense_motion_params`` section."""

    block_expansion: int = Field(64, ge=1, description="hourglass channel multiplier")
    max_features: int = Field(1024, ge=1, description="hourglass channel cap")
    num_blocks: int = Field(5, ge=1, description="hourglass levels")
    scale_factor: float = Field(1.0, gt=0, le=1, description="motion is estimated on the source resized by this")
    kp_variance: float = Field(0.01, gt=0, description="variance of the keypoint Gaussians (normalised units^2)")


class DenseMotionNetwork(mk.Component):
    """``forward(source (B, C, H, W), kp_source, kp_driving)`` -> dict, at ``h, w = H, W * scale_factor``:

    * ``sparse_deformed`` ``(B, K + 1, C, h, w)``: the downsampled source warped by each sparse motion;
    * ``mask`` ``(B, K + 1, h, w)``: softmax weights of the motions (entry 0 is the background);
    * ``deformation`` ``(B, h, w, 2)``: dense backward sampling grid (normalised, x first,
      sampled with ``align_corners=exact_identity``: False as the official model);
    * ``occlusion_map`` ``(B, 1, h, w)`` in [0, 1] (1 = visible), when ``estimate_occlusion_map``.
    """

    name = "first-order.dense_motion"

    class Config(DenseMotionParams):
        num_kp: int = CommonParams.model_fields["num_kp"]
        num_channels: int = CommonParams.model_fields["num_channels"]
        estimate_occlusion_map: bool = Field(False, description="predict an occlusion map")
        exact_identity: bool = Field(False, description="sample with align_corners=True (see the generator's option)")

    def __init__(self, config: Optional[Config] = None, **params) -> None:
        super().__init__(config, **params)
        c = self.config
        self.hourglass = Hourglass(c.block_expansion, in_features=(c.num_kp + 1) * (c.num_channels + 1),
                                   max_features=c.max_features, num_blocks=c.num_blocks)
        self.mask = nn.Conv2d(self.hourglass.out_filters, c.num_kp + 1, kernel_size=(7, 7), padding=(3, 3))
        if c.estimate_occlusion_map:
            self.occlusion = nn.Conv2d(self.hourglass.out_filters, 1, kernel_size=(7, 7), padding=(3, 3))
        else:
            self.occlusion = None
        if c.scale_factor != 1:
            self.down = AntiAliasDownsample(c.num_channels, c.scale_factor)

    def heatmap_representation(self, size: tuple[int, int], kp_source: mk.Keypoints,
                               kp_driving: mk.Keypoints) -> torch.Tensor:
        """Eq. 6: driving minus source Gaussians, with a zero background map -> ``(B, K + 1, 1, h, w)``."""
        variance = self.config.kp_variance
        gaussian_driving = keypoints_to_gaussians(kp_driving.value, size, variance=variance, align_corners=True)
        gaussian_source = keypoints_to_gaussians(kp_source.value, size, variance=variance, align_corners=True)
        heatmap = gaussian_driving - gaussian_source
        background = heatmap.new_zeros(heatmap.shape[0], 1, *size)
        return torch.cat([background, heatmap], dim=1).unsqueeze(2)

    def forward(self, source: torch.Tensor, kp_source: mk.Keypoints, kp_driving: mk.Keypoints) -> dict[str, torch.Tensor]:
        if self.config.scale_factor != 1:
            source = self.down(source)
        batch, channels, height, width = source.shape
        count = self.config.num_kp + 1
        use_jacobians = kp_driving.jacobian is not None
        if use_jacobians and kp_source.jacobian is None:
            raise ValueError("kp_driving has jacobians but kp_source has none")
        motions = sparse_motions(
            kp_source.value, kp_driving.value, (height, width), align_corners=True,
            source_jacobians=kp_source.jacobian if use_jacobians else None,
            driving_jacobians=kp_driving.jacobian if use_jacobians else None,
        )  # (B, K + 1, h, w, 2)
        repeated = source.unsqueeze(1).expand(batch, count, channels, height, width)
        sparse_deformed = warp_by_grid(
            repeated.reshape(batch * count, channels, height, width).to(motions.dtype),
            motions.reshape(batch * count, height, width, 2),
            align_corners=self.config.exact_identity,
        ).view(batch, count, channels, height, width)

        heatmaps = self.heatmap_representation((height, width), kp_source, kp_driving)
        features = self.hourglass(torch.cat([heatmaps, sparse_deformed], dim=2).view(batch, -1, height, width))

        mask = F.softmax(self.mask(features), dim=1)
        deformation = (motions.permute(0, 1, 4, 2, 3) * mask.unsqueeze(2)).sum(dim=1).permute(0, 2, 3, 1)
        out = {"sparse_deformed": sparse_deformed, "mask": mask, "deformation": deformation}
        if self.occlusion is not None:
            out["occlusion_map"] = torch.sigmoid(self.occlusion(features))
        return out
