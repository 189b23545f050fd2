"""Occlusion-aware generator of the first-order motion model (Siarohin et al., 2019, Sec. 3.2).

A Johnson-style encoder turns the source into features; the dense motion network's deformation warps
them, the occlusion map masks them, and residual blocks plus an upsampling decoder render the driving
frame. The encoder depends on the source alone, so :meth:`OcclusionAwareGenerator.encode` can run once
per source and :meth:`OcclusionAwareGenerator.render` once per driving frame.
"""
from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from pydantic import Field
from torch import nn

import motionkit as mk
from motionkit.nn import DownBlock2d, ResBlock2d, SameBlock2d, UpBlock2d
from motionkit.ops import resize_grid, warp_by_grid

from .dense_motion import DenseMotionNetwork, DenseMotionParams
from .keypoint_detector import CommonParams


class GeneratorParams(mk.Config):
    """The official ``generator_params`` section."""

    block_expansion: int = Field(64, ge=1, description="channels after the first block (doubled per down block)")
    max_features: int = Field(512, ge=1, description="channel cap")
    num_down_blocks: int = Field(2, ge=0, description="down blocks of the encoder (and up blocks of the decoder)")
    num_bottleneck_blocks: int = Field(6, ge=0, description="residual blocks between encoder and decoder")
    estimate_occlusion_map: bool = Field(False, description="mask warped features by a predicted occlusion map")
    dense_motion_params: Optional[DenseMotionParams] = Field(
        None, description="dense motion network; without it the source features are not deformed"
    )
    exact_identity: bool = Field(
        False, description="sample motions with align_corners=True, the keypoints' own convention, so the "
        "identity (background) motion reproduces the source exactly; False is the official model, whose "
        "identity motion zooms by H/(H-1) and blurs the border pixels (at 64x64 that alone costs an L1 of 0.016)"
    )
    blend_deformed_source: bool = Field(
        False, description="prediction = occlusion * deformed source + (1 - occlusion) * decoded image, as in "
        "TPSMM (Zhao and Zhang, CVPR 2022): visible regions are copied through the motion instead of being "
        "re-synthesised; needs estimate_occlusion_map. False is the official model"
    )


class OcclusionAwareGenerator(mk.Generator):
    """``forward(source (B, C, H, W) in [0, 1], kp_source, kp_driving)`` -> dict:

    * ``prediction`` ``(B, C, H, W)`` in [0, 1];
    * ``mask`` ``(B, K + 1, h, w)``, ``sparse_deformed`` ``(B, K + 1, C, h, w)``, ``deformation``
      ``(B, h, w, 2)`` from the dense motion network (``h, w`` = its working resolution);
    * ``occlusion_map`` ``(B, 1, h, w)`` (1 = visible) when ``estimate_occlusion_map``;
    * ``deformed`` ``(B, C, H, W)``: the source warped by the upsampled deformation.

    Without ``dense_motion_params`` only ``prediction`` is returned. With ``blend_deformed_source`` the
    prediction is ``occlusion * deformed + (1 - occlusion) * decoded`` (the decoder fills occluded regions).
    """

    name = "first-order.occlusion_aware"

    class Config(GeneratorParams):
        num_kp: int = CommonParams.model_fields["num_kp"]
        num_channels: int = CommonParams.model_fields["num_channels"]
        estimate_jacobian: bool = CommonParams.model_fields["estimate_jacobian"]

    def __init__(self, config: Optional[Config] = None, **params) -> None:
        super().__init__(config, **params)
        c = self.config
        if c.blend_deformed_source and not (c.estimate_occlusion_map and c.dense_motion_params is not None):
            raise ValueError(f"{type(self).__name__}: blend_deformed_source needs estimate_occlusion_map: true "
                             "and dense_motion_params")
        if c.dense_motion_params is not None:
            self.dense_motion_network = DenseMotionNetwork(
                num_kp=c.num_kp, num_channels=c.num_channels, estimate_occlusion_map=c.estimate_occlusion_map,
                exact_identity=c.exact_identity, **c.dense_motion_params.model_dump(),
            )
        else:
            self.dense_motion_network = None
        width = [min(c.max_features, c.block_expansion * (2 ** i)) for i in range(c.num_down_blocks + 1)]
        self.first = SameBlock2d(c.num_channels, c.block_expansion, kernel_size=(7, 7), padding=(3, 3))
        self.down_blocks = nn.ModuleList(
            DownBlock2d(width[i], width[i + 1], kernel_size=(3, 3), padding=(1, 1)) for i in range(c.num_down_blocks)
        )
        self.up_blocks = nn.ModuleList(
            UpBlock2d(width[c.num_down_blocks - i], width[c.num_down_blocks - i - 1], kernel_size=(3, 3), padding=(1, 1))
            for i in range(c.num_down_blocks)
        )
        self.bottleneck = nn.Sequential()
        for i in range(c.num_bottleneck_blocks):
            self.bottleneck.add_module(f"r{i}", ResBlock2d(width[-1], kernel_size=(3, 3), padding=(1, 1)))
        self.final = nn.Conv2d(c.block_expansion, c.num_channels, kernel_size=(7, 7), padding=(3, 3))

    def encode(self, source: torch.Tensor) -> torch.Tensor:
        """Source features ``(B, C_f, H / 2**num_down_blocks, W / 2**num_down_blocks)``; depend on the source only."""
        if source.dim() != 4 or source.shape[1] != self.config.num_channels:
            raise ValueError(
                f"{type(self).__name__}: source must be (B, {self.config.num_channels}, H, W), got {tuple(source.shape)}"
            )
        out = self.first(source)
        for block in self.down_blocks:
            out = block(out)
        return out

    @property
    def sampling_align_corners(self) -> bool:
        """The ``align_corners`` under which the ``deformation`` grid is sampled (see ``exact_identity``)."""
        return self.config.exact_identity

    def deform(self, features: torch.Tensor, deformation: torch.Tensor) -> torch.Tensor:
        """Warp ``features (B, C, H, W)`` by a sampling grid ``(B, h, w, 2)``, resized bilinearly to ``H x W`` if needed."""
        align_corners = self.sampling_align_corners
        if deformation.shape[1:3] != features.shape[2:]:
            deformation = resize_grid(deformation, features.shape[2:], align_corners=align_corners, mode="bilinear")
        # sample in the grid's precision (float32 under autocast): bfloat16 coordinates are off by ~1/4 pixel
        return warp_by_grid(features.to(deformation.dtype), deformation, align_corners=align_corners)

    def render(self, source: torch.Tensor, source_features: torch.Tensor, kp_source: mk.Keypoints,
               kp_driving: mk.Keypoints, *, with_deformed: bool = True) -> dict[str, torch.Tensor]:
        """The generator's output from precomputed :meth:`encode` features (see the class docstring).

        ``with_deformed=False`` skips the full-resolution ``deformed`` image (inference does not need it).
        """
        out: dict[str, torch.Tensor] = {}
        features = source_features
        if self.dense_motion_network is not None:
            motion = self.dense_motion_network(source, kp_source, kp_driving)
            out.update(motion)
            features = self.deform(features, motion["deformation"])
            occlusion = motion.get("occlusion_map")
            if occlusion is not None:
                features = features * self._resize_occlusion(occlusion, features.shape[2:])
            if with_deformed or self.config.blend_deformed_source:
                out["deformed"] = self.deform(source, motion["deformation"])
        x = self.bottleneck(features)
        for block in self.up_blocks:
            x = block(x)
        prediction = torch.sigmoid(self.final(x))
        if self.config.blend_deformed_source:
            visible = self._resize_occlusion(out["occlusion_map"], prediction.shape[2:])
            prediction = visible * out["deformed"].to(prediction.dtype) + (1 - visible) * prediction
            if not with_deformed:
                del out["deformed"]
        out["prediction"] = prediction
        return out

    @staticmethod
    def _resize_occlusion(occlusion: torch.Tensor, size: torch.Size) -> torch.Tensor:
        if occlusion.shape[2:] == size:
            return occlusion
        return F.interpolate(occlusion, size=size, mode="bilinear", align_corners=False)

    def forward(self, source: torch.Tensor, kp_source: mk.Keypoints, kp_driving: mk.Keypoints) -> dict[str, torch.Tensor]:
        return self.render(source, self.encode(source), kp_source, kp_driving)
