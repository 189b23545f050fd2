"""vid2vid's temporal discriminator: multi-scale PatchGANs judging K consecutive frames and the flows
between them, at several temporal scales (frame strides 1, K, K^2, ...)."""
from __future__ import annotations

from typing import Optional

import torch
from pydantic import Field
from torch import nn

from motionkit.errors import InputError
from motionkit.interfaces import Config, Discriminator, ScaleOutput
from motionkit.ops import compose_flows

from .norm import NormName
from .patch_discriminator import MultiscalePatchDiscriminator


def temporal_group_starts(length: int, n_frames: int, stride: int) -> list[int]:
    """First frame index of each group of ``n_frames`` frames ``stride`` apart that fits in ``length``
    frames; groups end at the last frame and every ``n_frames`` frames before it (as vid2vid takes them)."""
    span = stride * (n_frames - 1)
    return [length - 1 - t - span for t in range(0, length - span, n_frames)]


def group_frames(sequence: torch.Tensor, starts: list[int], n_frames: int, stride: int) -> torch.Tensor:
    """``(B, T, C, H, W)`` -> ``(G * B, n_frames * C, H, W)``: each group's frames stacked on channels
    (frame-major), groups stacked on the batch (group-major)."""
    groups = [sequence[:, s : s + stride * (n_frames - 1) + 1 : stride] for s in starts]
    stacked = torch.cat(groups, dim=0)
    return stacked.reshape(stacked.shape[0], -1, *stacked.shape[-2:])


def strided_flows(flows: torch.Tensor, stride: int, *, align_corners: bool) -> torch.Tensor:
    """Backward flows between frames ``stride`` apart from flows between consecutive frames.

    flows: ``(B, T - 1, 2, H, W)`` pixels, ``flows[:, t]`` maps frame ``t + 1`` to frame ``t``. Returns
    ``(B, T - stride, 2, H, W)`` whose entry ``t`` maps frame ``t + stride`` to frame ``t`` (chained with
    :func:`motionkit.ops.compose_flows`).
    """
    if stride == 1:
        return flows
    count = flows.shape[1] - stride + 1
    out = []
    for t in range(count):
        end = t + stride - 1
        flow = flows[:, end]
        for k in range(end - 1, t - 1, -1):
            flow = compose_flows(flow, flows[:, k], align_corners=align_corners)
        out.append(flow)
    return torch.stack(out, dim=1)


class TemporalDiscriminator(Discriminator):
    """Temporal (video) discriminator of vid2vid (Wang et al., NeurIPS 2018).

    ``forward(frames (B, T, C, H, W), condition=flows)`` with optional ``flows`` ``(B, T - 1, 2, H, W)``
    in pixels, ``flows[:, t]`` the backward flow from frame ``t + 1`` to frame ``t``. At temporal scale
    ``s`` groups of ``n_frames`` frames ``n_frames ** s`` apart are taken (ending at the last frame, then
    every ``n_frames`` frames earlier; scales whose span does not fit in ``T`` frames are skipped); each
    group's frames and its ``n_frames - 1`` flows (divided by ``flow_divisor``; vid2vid uses 20) are
    concatenated on channels, ``[frame_0, ..., frame_{K-1}, flow_1, ..., flow_{K-1}]``, and judged by that
    scale's own multi-scale PatchGAN, groups stacked on the batch. Flows between subsampled frames are
    chained from the consecutive flows (vid2vid re-estimates them with FlowNet2 instead).

    ``forward`` returns every judged output, temporal scale major, finest spatial scale first;
    :meth:`forward_temporal` returns them per temporal scale (one discriminator each, for per-scale losses).
    """

    name = "temporal_patch"

    class Config(Config):
        channels: int = Field(3, ge=1, description="channels of each frame")
        n_frames: int = Field(3, ge=2, description="frames per group, K (official --n_frames_D)")
        temporal_scales: int = Field(2, ge=1, description="official --n_scales_temporal")
        use_flows: bool = Field(True, description="feed the K-1 flows of each group")
        flow_divisor: float = Field(20.0, gt=0, description="flows are divided by this before concatenation")
        align_corners: bool = Field(False, description="used when chaining flows for coarser temporal scales")
        ndf: int = Field(64, ge=1)
        n_layers: int = Field(3, ge=1)
        num_scales: int = Field(2, ge=1, description="spatial scales of each temporal scale's PatchGAN")
        norm: NormName = "instance"

    def __init__(self, config: Optional[Config] = None, **params) -> None:
        super().__init__(config, **params)
        c = self.config
        channels = c.channels * c.n_frames + (2 * (c.n_frames - 1) if c.use_flows else 0)
        patch = MultiscalePatchDiscriminator.Config(
            channels=channels, ndf=c.ndf, n_layers=c.n_layers, num_scales=c.num_scales, norm=c.norm
        )
        #: one multi-scale PatchGAN per temporal scale; ``scales[s]`` loads vid2vid's ``latest_net_D_T{s}.pth``
        self.scales = nn.ModuleList(MultiscalePatchDiscriminator(patch) for _ in range(c.temporal_scales))

    def forward_temporal(
        self, frames: torch.Tensor, condition: Optional[torch.Tensor] = None
    ) -> list[list[ScaleOutput]]:
        """Outputs per temporal scale that fits in ``T`` frames (at least scale 0)."""
        c = self.config
        if frames.dim() != 5 or frames.shape[2] != c.channels:
            raise InputError(f"frames must have shape (B, T, {c.channels}, H, W), got {tuple(frames.shape)}")
        batch, length = frames.shape[:2]
        if length < c.n_frames:
            raise InputError(f"frames must hold at least n_frames={c.n_frames} frames, got T={length}")
        flows = condition
        if c.use_flows:
            expected = (batch, length - 1, 2, *frames.shape[-2:])
            if flows is None or tuple(flows.shape) != expected:
                got = None if flows is None else tuple(flows.shape)
                raise InputError(f"flows (condition) must have shape {expected}, got {got}")
        elif flows is not None:
            raise InputError("use_flows=False but flows were given")
        results = []
        for s, discriminator in enumerate(self.scales):
            stride = c.n_frames**s
            starts = temporal_group_starts(length, c.n_frames, stride)
            if not starts:
                break
            x = group_frames(frames, starts, c.n_frames, stride)
            if c.use_flows:
                pair_flows = strided_flows(flows, stride, align_corners=c.align_corners)
                # the flow into group frame k (k >= 1) starts at index start + (k - 1) * stride
                grouped = group_frames(pair_flows, starts, c.n_frames - 1, stride)
                x = torch.cat([x, grouped.to(x.dtype) / c.flow_divisor], dim=1)
            results.append(discriminator(x))
        return results

    def forward(self, frames: torch.Tensor, condition: Optional[torch.Tensor] = None) -> list[ScaleOutput]:
        return [out for scale in self.forward_temporal(frames, condition) for out in scale]
