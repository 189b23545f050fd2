"""Classical optical flow: OpenCV's DIS (dense inverse search, Kroeger et al., ECCV 2016).

Weight-free, so it can serve as pseudo ground truth for flow losses (vid2vid) and for
temporal-consistency metrics.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import torch
from pydantic import Field
from torch import Tensor

from motionkit.errors import InputError
from motionkit.interfaces import Config, FlowEstimator
from motionkit.ops._validation import check_shape

_PRESETS = {"ultrafast": "DISOPTICAL_FLOW_PRESET_ULTRAFAST", "fast": "DISOPTICAL_FLOW_PRESET_FAST",
            "medium": "DISOPTICAL_FLOW_PRESET_MEDIUM"}  # fmt: skip
MIN_SIDE = 12  # OpenCV's DIS refuses frames whose width and height are both smaller

# ITU-R BT.601 luma, as cv2.cvtColor(..., COLOR_RGB2GRAY)
_LUMA = (0.299, 0.587, 0.114)


def _to_gray_uint8(images: Tensor) -> np.ndarray:
    """``(B, 3 or 1, H, W)`` in ``[0, 1]`` -> ``(B, H, W)`` uint8 luma (rounded, clipped)."""
    images = images.detach().float()
    if images.shape[1] == 3:
        weights = torch.tensor(_LUMA, device=images.device).view(1, 3, 1, 1)
        images = (images * weights).sum(dim=1, keepdim=True)
    gray = (images[:, 0] * 255).round().clamp(0, 255).to(torch.uint8)
    return gray.cpu().numpy()


class DISFlowEstimator(FlowEstimator):
    """Dense backward flow from OpenCV's DIS optical flow (CPU, not differentiable).

    ``forward(target, source)``: ``(B, 3, H, W)`` (or 1 channel) in ``[0, 1]`` -> flow
    ``(B, 2, H, W)`` in pixels with ``target(p) ~= source(p + flow(p))``, i.e.
    ``motionkit.ops.warp(source, flow, ...)`` approximates ``target``. For a video, the flow
    from frame ``t`` to frame ``t - 1`` is ``estimator(frames[t], frames[t - 1])``. Frames are
    converted to 8-bit luma; the flow is returned on the inputs' device and dtype, without
    gradient.
    """

    name = "dis"

    class Config(Config):
        preset: Literal["ultrafast", "fast", "medium"] = "medium"
        #: coarsest-to-finest pyramid stops at this level (0 = full resolution); None: preset default
        finest_scale: int | None = Field(default=None, ge=0)
        patch_size: int | None = Field(default=None, ge=2)
        patch_stride: int | None = Field(default=None, ge=1)
        variational_refinement_iterations: int | None = Field(default=None, ge=0)

    config: Config

    def _create(self):
        """A configured ``cv2.DISOpticalFlow`` (OpenCV is imported on first use, not with motionkit.ops)."""
        import cv2

        dis = cv2.DISOpticalFlow_create(getattr(cv2, _PRESETS[self.config.preset]))
        if self.config.finest_scale is not None:
            dis.setFinestScale(self.config.finest_scale)
        if self.config.patch_size is not None:
            dis.setPatchSize(self.config.patch_size)
        if self.config.patch_stride is not None:
            dis.setPatchStride(self.config.patch_stride)
        if self.config.variational_refinement_iterations is not None:
            dis.setVariationalRefinementIterations(self.config.variational_refinement_iterations)
        return dis

    def forward(self, target: Tensor, source: Tensor) -> Tensor:
        check_shape(target, "target", "(B, 3, H, W)", 4)
        check_shape(source, "source", "(B, 3, H, W)", 4)
        if target.shape != source.shape or target.shape[1] not in (1, 3):
            raise InputError(
                f"target and source must both be (B, 3, H, W) or (B, 1, H, W), got {tuple(target.shape)} "
                f"and {tuple(source.shape)}"
            )
        if max(target.shape[-2:]) < MIN_SIDE:
            raise InputError(
                f"DIS needs frames with a side of at least {MIN_SIDE} pixels, got {tuple(target.shape[-2:])}"
            )
        dis = self._create()
        flows = [
            torch.from_numpy(dis.calc(t, s, None))
            for t, s in zip(_to_gray_uint8(target), _to_gray_uint8(source), strict=True)
        ]
        return torch.stack(flows).permute(0, 3, 1, 2).to(device=target.device, dtype=target.dtype)
