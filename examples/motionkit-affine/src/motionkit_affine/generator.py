"""Warp the source image by the relative affine motion between source and driving frames."""
from __future__ import annotations

import torch
from pydantic import Field

import motionkit as mk
from motionkit.ops import coordinate_grid, warp_by_grid


class AffineWarpGenerator(mk.Generator):
    """``forward(source (B, 3, H, W), source_motion, driving_motion) -> {"prediction", "grid"}``.

    A point ``z`` of the driving frame comes from ``T_s(T_d^{-1}(z))`` in the source, where
    ``T(z) = J z + t`` is each frame's global affine motion (one keypoint with a jacobian).
    """

    name = "affine.warp"

    class Config(mk.Config):
        padding_mode: str = Field("border", pattern="^(zeros|border|reflection)$", description="grid_sample padding")

    def forward(self, source: torch.Tensor, source_motion: mk.Keypoints, driving_motion: mk.Keypoints) -> dict:
        batch, _, height, width = source.shape
        z = coordinate_grid(height, width, align_corners=False, dtype=source.dtype, device=source.device)
        z = z.expand(batch, height, width, 2)
        j_s, t_s = source_motion.jacobian[:, 0], source_motion.value[:, 0]
        j_d, t_d = driving_motion.jacobian[:, 0], driving_motion.value[:, 0]
        relative = j_s @ torch.linalg.inv(j_d)  # (B, 2, 2)
        grid = torch.einsum("bij,bhwj->bhwi", relative, z - t_d[:, None, None]) + t_s[:, None, None]
        prediction = warp_by_grid(source, grid, align_corners=False, padding_mode=self.config.padding_mode)
        return {"prediction": prediction, "grid": grid}
