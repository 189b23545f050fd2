"""Temporal warping error ("flicker", Lai et al. 2018): how much each frame differs from the previous
frame warped to it by the optical flow, over pixels where the flow is reliable.

``E = sum_{t,p} M_t(p) * mean_c (X_t(p) - warp(X_{t-1}, F_t)(p))^2 / sum_{t,p} M_t(p)`` per video, averaged
over videos, where ``F_t`` is the backward flow from frame t to t-1 (``docs/conventions.md``) and ``M_t``
the visibility mask. Flows are given or estimated by a :class:`~motionkit.interfaces.FlowEstimator`
(e.g. ``motionkit.create("flow", "dis")``); with estimated flows the mask is the forward-backward
consistency check of Sundaram et al. (2010): a pixel is visible when
``|F_b + F_f(p + F_b)|^2 < 0.01 (|F_b|^2 + |F_f(p + F_b)|^2) + 0.5``.
"""
from __future__ import annotations

from typing import Callable, Optional

import torch

from ..errors import InputError
from ..ops.warp import warp
from .inputs import check_videos

FlowFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def consistency_mask(backward: torch.Tensor, forward: torch.Tensor, alpha1: float = 0.01,
                     alpha2: float = 0.5) -> torch.Tensor:
    """Visibility ``(B, 1, H, W)`` in {0, 1} of frame t from its backward flow ``(B, 2, H, W)`` (t -> t-1)
    and the forward flow of frame t-1 (t-1 -> t)."""
    forward_at = warp(forward, backward, align_corners=False)
    error = (backward + forward_at).square().sum(1, keepdim=True)
    bound = alpha1 * (backward.square().sum(1, keepdim=True) + forward_at.square().sum(1, keepdim=True)) + alpha2
    return (error < bound).to(backward.dtype)


@torch.no_grad()
def warping_error(
    frames: torch.Tensor,
    flows: Optional[torch.Tensor] = None,
    *,
    flow_estimator: Optional[FlowFn] = None,
    flow_frames: Optional[torch.Tensor] = None,
    masks: Optional[torch.Tensor] = None,
) -> torch.Tensor:
    """Warping error of videos ``frames (B, T, 3, H, W)`` in [0, 1] (squared intensity units).

    :param flows: backward flows ``(B, T-1, 2, H, W)`` in pixels, entry t-1 from frame t to frame t-1.
    :param flow_estimator: used when ``flows`` is None: ``estimator(target, source)`` -> backward flow.
    :param flow_frames: frames the flow is estimated on (default ``frames``; pass the reference video to
        measure a generated video with the reference's motion).
    :param masks: visibility ``(B, T-1, 1, H, W)``; default: consistency check for estimated flows,
        all ones for given flows.
    """
    frames = check_videos(frames, "frames", min_frames=2)
    b, t, _, h, w = frames.shape
    if flows is None:
        if flow_estimator is None:
            raise InputError("warping_error: give flows or a flow_estimator")
        source = frames if flow_frames is None else check_videos(flow_frames, "flow_frames", min_frames=2)
        if source.shape != frames.shape:
            raise InputError(f"flow_frames {tuple(source.shape)} must match frames {tuple(frames.shape)}")
        later, earlier = source[:, 1:].flatten(0, 1), source[:, :-1].flatten(0, 1)
        backward = flow_estimator(later, earlier)
        if masks is None:
            masks = consistency_mask(backward, flow_estimator(earlier, later)).view(b, t - 1, 1, h, w)
        flows = backward.view(b, t - 1, 2, h, w)
    if flows.shape != (b, t - 1, 2, h, w):
        raise InputError(f"flows: expected {(b, t - 1, 2, h, w)}, got {tuple(flows.shape)}")
    if masks is None:
        masks = frames.new_ones(b, t - 1, 1, h, w)
    if masks.shape != (b, t - 1, 1, h, w):
        raise InputError(f"masks: expected {(b, t - 1, 1, h, w)}, got {tuple(masks.shape)}")
    previous = frames[:, :-1].flatten(0, 1)
    warped = warp(previous, flows.flatten(0, 1).to(previous.dtype), align_corners=False).view(b, t - 1, -1, h, w)
    squared = (frames[:, 1:] - warped).square().mean(2, keepdim=True)
    weight = masks.to(squared.dtype)
    per_video = (squared * weight).sum(dim=(1, 2, 3, 4)) / weight.sum(dim=(1, 2, 3, 4)).clamp(min=1)
    return per_video.mean()
