"""Occlusion from forward-backward flow consistency.

A pixel ``p`` of frame ``t`` whose backward flow ``a`` (``t`` -> ``s``) points to a pixel of ``s``
that flows back to ``p`` under the reverse flow ``b`` (``s`` -> ``t``) is visible in both
frames: ``a(p) + b(p + a(p)) ~= 0``. The test is the usual one (Sundaram et al., ECCV 2010;
Meister et al., UnFlow, AAAI 2018): ``p`` is occluded when
``|a + b~|^2 > alpha1 * (|a|^2 + |b~|^2) + alpha2`` with ``b~ = warp(b, a)``.
"""

from __future__ import annotations

from torch import Tensor

from motionkit.ops._validation import check_same_spatial, check_shape
from motionkit.ops.warp import compose_flows, warp


def flow_consistency_error(
    flow: Tensor,
    reverse_flow: Tensor,
    *,
    align_corners: bool,
    units: str = "pixels",
    padding_mode: str = "zeros",
) -> Tensor:
    """Round-trip displacement ``flow(p) + reverse_flow(p + flow(p))`` ``(B, 2, H, W)``, in ``units``.

    ``flow``: frame ``t`` -> ``s``; ``reverse_flow``: ``s`` -> ``t``; both backward flows
    ``(B, 2, H, W)`` on grids of the same size. Zero where the two agree. ``padding_mode``
    decides what ``reverse_flow`` reads outside the frame (``"zeros"``: pixels leaving the frame
    count as inconsistent by their own displacement).
    """
    check_shape(flow, "flow", "(B, 2, H, W)", 4, {1: 2})
    check_shape(reverse_flow, "reverse_flow", "(B, 2, H, W)", 4, {1: 2})
    check_same_spatial(flow, "flow", reverse_flow, "reverse_flow")
    return compose_flows(flow, reverse_flow, align_corners=align_corners, units=units, padding_mode=padding_mode)


def forward_backward_occlusion(
    flow: Tensor,
    reverse_flow: Tensor,
    *,
    align_corners: bool,
    units: str = "pixels",
    alpha1: float = 0.01,
    alpha2: float = 0.5,
) -> Tensor:
    """Visibility mask ``(B, 1, H, W)`` of frame ``t`` (1 = also visible in ``s``, 0 = occluded).

    ``flow`` (``t`` -> ``s``) and ``reverse_flow`` (``s`` -> ``t``) are ``(B, 2, H, W)``.
    ``alpha1`` is relative, ``alpha2`` is in squared ``units`` (the defaults 0.01 and 0.5 are
    for pixel flows). The mask is a hard threshold (values 0/1 in the flows' dtype) and carries
    no gradient. The mask of frame ``s`` is ``forward_backward_occlusion(reverse_flow, flow)``.
    """
    check_shape(flow, "flow", "(B, 2, H, W)", 4, {1: 2})
    check_shape(reverse_flow, "reverse_flow", "(B, 2, H, W)", 4, {1: 2})
    check_same_spatial(flow, "flow", reverse_flow, "reverse_flow")
    flow, reverse_flow = flow.detach(), reverse_flow.detach()
    warped_reverse = warp(reverse_flow, flow, align_corners=align_corners, units=units, padding_mode="zeros")
    squared_error = ((flow + warped_reverse) ** 2).sum(dim=1, keepdim=True)
    squared_lengths = (flow**2).sum(dim=1, keepdim=True) + (warped_reverse**2).sum(dim=1, keepdim=True)
    return (squared_error <= alpha1 * squared_lengths + alpha2).to(flow.dtype)
