"""Backward warping of images and feature maps by flows or sampling grids.

Flows are backward (see docs/conventions.md): ``warp(image, flow)(p) = image(p + flow(p))``.
Every function is a thin layer over ``torch.nn.functional.grid_sample``, so it is batched,
differentiable in both the image and the flow, follows the input's device and keeps its dtype.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch.nn.functional as F
from torch import Tensor

from motionkit.ops._validation import (
    FLOW_UNITS,
    check_align_corners,
    check_batch,
    check_choice,
    check_padding_mode,
    check_same_spatial,
    check_sampling_mode,
    check_shape,
    check_size,
    same_device_dtype,
)
from motionkit.ops.grid import flow_to_grid


def warp_by_grid(
    image: Tensor,
    grid: Tensor,
    *,
    align_corners: bool,
    mode: str = "bilinear",
    padding_mode: str = "zeros",
) -> Tensor:
    """Sample ``image (B, C, h, w)`` at ``grid (B, H, W, 2)`` (normalised, x first) -> ``(B, C, H, W)``.

    Exactly ``F.grid_sample(image, grid, mode, padding_mode, align_corners)`` after checking
    shapes, device and dtype. ``mode``: ``"bilinear"``, ``"nearest"`` or ``"bicubic"``;
    ``padding_mode``: ``"zeros"``, ``"border"`` or ``"reflection"``.
    """
    check_shape(image, "image", "(B, C, H, W)", 4)
    check_shape(grid, "grid", "(B, H, W, 2)", 4, {3: 2})
    check_batch(image, "image", grid, "grid")
    same_device_dtype(image, "image", grid, "grid")
    return F.grid_sample(
        image,
        grid,
        mode=check_sampling_mode(mode),
        padding_mode=check_padding_mode(padding_mode),
        align_corners=check_align_corners(align_corners),
    )


def warp(
    image: Tensor,
    flow: Tensor,
    *,
    align_corners: bool,
    units: str = "pixels",
    mode: str = "bilinear",
    padding_mode: str = "zeros",
) -> Tensor:
    """Backward-warp ``image (B, C, H, W)`` by ``flow (B, 2, H, W)`` -> ``(B, C, H, W)``.

    ``out(p) = image(p + flow(p))``. ``units``: ``"pixels"`` (the default, pixels of the
    ``H x W`` image; channel 0 = x right, 1 = y down) or ``"normalized"`` (grid units).
    ``align_corners`` fixes what normalised coordinates mean (see :mod:`motionkit.ops.grid`);
    for pixel flows it only matters at the borders. Resize a flow of another size with
    :func:`resize_flow` first.
    """
    check_shape(image, "image", "(B, C, H, W)", 4)
    check_shape(flow, "flow", "(B, 2, H, W)", 4, {1: 2})
    check_batch(image, "image", flow, "flow")
    check_same_spatial(image, "image", flow, "flow")
    same_device_dtype(image, "image", flow, "flow")
    grid = flow_to_grid(flow, align_corners=align_corners, units=units)
    return F.grid_sample(
        image,
        grid,
        mode=check_sampling_mode(mode),
        padding_mode=check_padding_mode(padding_mode),
        align_corners=align_corners,
    )


def warp_sequence(
    frames: Tensor,
    flows: Tensor,
    *,
    align_corners: bool,
    units: str = "pixels",
    mode: str = "bilinear",
    padding_mode: str = "zeros",
) -> Tensor:
    """Warp every step of a sequence: ``flows (B, T, 2, H, W)`` -> ``(B, T, C, H, W)``.

    ``frames`` is either a clip ``(B, T, C, H, W)`` (step ``t`` warped by ``flows[:, t]``) or a
    single image ``(B, C, H, W)`` warped by every ``flows[:, t]`` (e.g. one source frame
    animated by a flow per future frame). All steps run in one ``grid_sample`` call.
    """
    check_shape(flows, "flows", "(B, T, 2, H, W)", 5, {2: 2})
    batch, steps = flows.shape[:2]
    if isinstance(frames, Tensor) and frames.dim() == 4:
        check_batch(frames, "frames", flows, "flows")
        frames = frames.unsqueeze(1).expand(batch, steps, *frames.shape[1:])
    check_shape(frames, "frames", "(B, T, C, H, W) or (B, C, H, W)", 5, {0: batch, 1: steps})
    warped = warp(
        frames.reshape(batch * steps, *frames.shape[2:]),
        flows.reshape(batch * steps, *flows.shape[2:]),
        align_corners=align_corners,
        units=units,
        mode=mode,
        padding_mode=padding_mode,
    )
    return warped.view(batch, steps, *warped.shape[1:])


def compose_flows(
    first: Tensor,
    second: Tensor,
    *,
    align_corners: bool,
    units: str = "pixels",
    padding_mode: str = "border",
) -> Tensor:
    """Chain two backward flows ``(B, 2, H, W)`` into one.

    ``first`` maps frame ``t`` to frame ``s`` and ``second`` maps ``s`` to ``r``; the result
    maps ``t`` to ``r``: ``first(p) + second(p + first(p))``, so
    ``warp(x, result) ~= warp(warp(x, second), first)`` (exact up to interpolation).
    ``second`` is sampled bilinearly with ``padding_mode`` (``"border"`` extends it outside).
    """
    check_shape(first, "first", "(B, 2, H, W)", 4, {1: 2})
    check_shape(second, "second", "(B, 2, H, W)", 4, {1: 2})
    return first + warp(second, first, align_corners=align_corners, units=units, padding_mode=padding_mode)


def resize_flow(
    flow: Tensor,
    size: Sequence[int],
    *,
    align_corners: bool,
    units: str = "pixels",
    mode: str = "bilinear",
) -> Tensor:
    """Resize a flow field ``(B, 2, h, w)`` to ``size = (H, W)`` -> ``(B, 2, H, W)``.

    The field is interpolated (``F.interpolate`` with ``mode`` and, except for ``"nearest"``,
    ``align_corners``) and, for ``units="pixels"``, each component is rescaled so it is in
    pixels of the new size: ``W / w`` (``align_corners=False``) or ``(W - 1) / (w - 1)``
    (``align_corners=True``) for x, likewise for y. Normalised flows need no rescaling.
    """
    check_shape(flow, "flow", "(B, 2, H, W)", 4, {1: 2})
    height, width = check_size(size)
    align_corners = check_align_corners(align_corners)
    check_choice(units, "units", FLOW_UNITS)
    check_sampling_mode(mode)
    old_height, old_width = flow.shape[2], flow.shape[3]
    if mode == "nearest":
        resized = F.interpolate(flow, size=(height, width), mode=mode)
    else:
        resized = F.interpolate(flow, size=(height, width), mode=mode, align_corners=align_corners)
    if units == "normalized":
        return resized
    if align_corners:
        sx = (width - 1) / (old_width - 1) if old_width > 1 else 1.0
        sy = (height - 1) / (old_height - 1) if old_height > 1 else 1.0
    else:
        sx, sy = width / old_width, height / old_height
    scale = flow.new_tensor((sx, sy)).view(1, 2, 1, 1)
    return resized * scale
