"""Unsupervised flow objectives: smoothness, occlusion-weighted photometric and flow-consistency terms.

The photometric and consistency terms are the ones of Pan et al., "Video Generation from Single
Semantic Label Map" (img2vid / seg2vid, CVPR 2019), written for motionkit's backward flows:
both are means of visibility-masked absolute differences, as in the official code. (The official
code also multiplies each flow by its visibility mask before warping the frame that the
photometric term compares; that is the caller's choice of ``flow`` and ``warped``.)
"""

from __future__ import annotations

from torch import Tensor

from motionkit.errors import InputError
from motionkit.ops._validation import check_shape, check_tensor
from motionkit.ops.occlusion import flow_consistency_error


def _gradients(field: Tensor) -> tuple[Tensor, Tensor]:
    """Forward differences along x ``(..., H, W - 1)`` and y ``(..., H - 1, W)``."""
    return field[..., :, 1:] - field[..., :, :-1], field[..., 1:, :] - field[..., :-1, :]


def flow_smoothness_loss(flow: Tensor, image: Tensor | None = None, *, edge_sensitivity: float = 1.0) -> Tensor:
    """First-order smoothness ``mean |d flow / dx| + mean |d flow / dy|`` of ``flow (B, 2, H, W)``.

    With ``image (B, C, H, W)`` the differences are weighted by
    ``exp(-edge_sensitivity * mean_c |d image|)`` so flow may change at image edges. Returns a
    scalar in the flow's units (per pixel step).
    """
    check_shape(flow, "flow", "(B, 2, H, W)", 4, {1: 2})
    flow_dx, flow_dy = _gradients(flow)
    if image is None:
        return flow_dx.abs().mean() + flow_dy.abs().mean()
    check_shape(image, "image", "(B, C, H, W)", 4, {0: flow.shape[0], 2: flow.shape[2], 3: flow.shape[3]})
    image_dx, image_dy = _gradients(image)
    weight_x = (-edge_sensitivity * image_dx.abs().mean(dim=1, keepdim=True)).exp()
    weight_y = (-edge_sensitivity * image_dy.abs().mean(dim=1, keepdim=True)).exp()
    return (flow_dx * weight_x).abs().mean() + (flow_dy * weight_y).abs().mean()


def occlusion_weighted_photometric_loss(warped: Tensor, target: Tensor, visibility: Tensor) -> Tensor:
    """``mean |warped * visibility - target * visibility|`` over every element.

    ``warped`` and ``target``: ``(B, C, H, W)`` or ``(B, T, C, H, W)`` (a frame predicted by
    warping and the frame it should match); ``visibility``: ``(B, 1, H, W)`` or
    ``(B, T, 1, H, W)`` in ``[0, 1]`` (1 = visible), broadcast over channels. Occluded pixels
    contribute nothing but still count in the mean, as in the official seg2vid code.
    """
    check_tensor(warped, "warped")
    check_tensor(target, "target")
    check_tensor(visibility, "visibility")
    if warped.shape != target.shape or warped.dim() not in (4, 5):
        raise InputError(
            f"warped and target must both be (B, C, H, W) or (B, T, C, H, W), got {tuple(warped.shape)} "
            f"and {tuple(target.shape)}"
        )
    expected = (*warped.shape[:-3], 1, *warped.shape[-2:])
    if tuple(visibility.shape) != expected:
        raise InputError(f"visibility must have shape {expected}, got {tuple(visibility.shape)}")
    return (warped * visibility - target * visibility).abs().mean()


def flow_consistency_loss(
    flow: Tensor,
    reverse_flow: Tensor,
    *,
    align_corners: bool,
    units: str = "pixels",
    visibility: Tensor | None = None,
    reverse_visibility: Tensor | None = None,
) -> Tensor:
    """Forward-backward consistency of two backward flows, both directions, masked by visibility.

    ``mean(visibility * |flow(p) + reverse_flow(p + flow(p))|)`` plus the same with the roles
    swapped (``reverse_visibility``). ``flow``: frame ``t`` -> ``s`` and ``reverse_flow``:
    ``s`` -> ``t``, ``(B, 2, H, W)`` in ``units``; visibilities ``(B, 1, H, W)`` of frame ``t``
    and ``s`` (``None``: all visible). Out-of-frame samples read zero (``grid_sample``'s
    default, as in the official code).
    """
    batch, _, height, width = check_shape(flow, "flow", "(B, 2, H, W)", 4, {1: 2}).shape
    terms = []
    for a, b, mask, name in (
        (flow, reverse_flow, visibility, "visibility"),
        (reverse_flow, flow, reverse_visibility, "reverse_visibility"),
    ):
        error = flow_consistency_error(a, b, align_corners=align_corners, units=units).abs()
        if mask is not None:
            check_shape(mask, name, "(B, 1, H, W)", 4, {0: batch, 1: 1, 2: height, 3: width})
            error = mask * error
        terms.append(error.mean())
    return terms[0] + terms[1]
