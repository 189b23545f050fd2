"""Coordinate grids and conversions between pixel flows, normalised flows and sampling grids.

Normalised coordinates follow ``torch.nn.functional.grid_sample``: x first (width direction),
y down, ``-1``/``+1`` are the left/top and right/bottom. What ``-1`` means depends on
``align_corners``, which every function here takes as an explicit keyword:

* ``align_corners=True``: ``-1`` and ``+1`` are the *centres* of the corner pixels, so pixel
  ``i`` of ``n`` sits at ``2 * (i / (n - 1)) - 1``.
* ``align_corners=False``: ``-1`` and ``+1`` are the outer *edges* of the corner pixels, so
  pixel ``i`` sits at ``(2 * i + 1) / n - 1``.

Pixel coordinates are pixel-centre indices: pixel ``(row i, column j)`` is at ``(x=j, y=i)``.

The same coordinates can be computed two ways that differ in the last bit (up to ~1.2e-7 in
float32), and official codes differ in which they use, so :func:`coordinate_grid` takes a
``method``: ``"linspace"`` (``torch.linspace``, the default; the official vid2vid and seg2vid
warps build their grids this way) or ``"arange"`` (``arange`` then ``2 * (i / (n - 1)) - 1``,
the official first-order-model ``make_coordinate_grid``; the keypoint functions use it).
Pixel flows are converted by *dividing* by the exact half-extent (``(n - 1) / 2`` or ``n / 2``),
as vid2vid does, so warps built here reproduce those codes bit for bit.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import torch
import torch.nn.functional as F
from torch import Tensor

from motionkit.errors import InputError
from motionkit.ops._validation import (
    FLOW_UNITS,
    check_align_corners,
    check_choice,
    check_sampling_mode,
    check_shape,
    check_size,
    check_tensor,
)

GRID_METHODS = ("linspace", "arange")


def _normalized_axis(
    n: int, align_corners: bool, method: str, dtype: torch.dtype, device: torch.device | str | None
) -> Tensor:
    """Normalised coordinates of the ``n`` pixel centres along one axis, shape ``(n,)``."""
    if method == "linspace":
        edge = 1.0 if align_corners else 1.0 - 1.0 / n
        return torch.linspace(-edge, edge, n, dtype=dtype, device=device)
    index = torch.arange(n, device=device).to(dtype)
    if align_corners:
        return 2 * (index / max(n - 1, 1)) - 1
    return (2 * index + 1) / n - 1


def coordinate_grid(
    height: int,
    width: int,
    *,
    align_corners: bool,
    method: str = "linspace",
    dtype: torch.dtype = torch.float32,
    device: torch.device | str | None = None,
) -> Tensor:
    """Normalised coordinates of every pixel centre.

    Returns ``(H, W, 2)``: ``[..., 0]`` is x (varies along W), ``[..., 1]`` is y, in ``[-1, 1]``
    under the given ``align_corners`` convention. Passing it to ``grid_sample`` with the same
    ``align_corners`` reproduces the image. ``method``: ``"linspace"`` or ``"arange"`` (same
    values up to the last bit; see the module docstring).
    """
    height, width = check_size((height, width))
    align_corners = check_align_corners(align_corners)
    check_choice(method, "method", GRID_METHODS)
    x = _normalized_axis(width, align_corners, method, dtype, device)
    y = _normalized_axis(height, align_corners, method, dtype, device)
    return torch.stack((x.view(1, width).expand(height, width), y.view(height, 1).expand(height, width)), dim=-1)


@lru_cache(maxsize=32)
def _planar_identity(
    height: int, width: int, align_corners: bool, method: str, dtype: torch.dtype, device: torch.device
) -> Tensor:
    """Identity grid as channel planes ``(1, 2, H, W)``, cached for internal read-only use."""
    with torch.inference_mode(False), torch.no_grad():
        grid = coordinate_grid(height, width, align_corners=align_corners, method=method, dtype=dtype, device=device)
        return grid.permute(2, 0, 1).unsqueeze(0).contiguous()


def pixel_grid(
    height: int,
    width: int,
    *,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str | None = None,
) -> Tensor:
    """Pixel-centre coordinates ``(H, W, 2)``: ``[i, j] = (x=j, y=i)`` in pixels."""
    height, width = check_size((height, width))
    x = torch.arange(width, device=device).to(dtype)
    y = torch.arange(height, device=device).to(dtype)
    return torch.stack((x.view(1, width).expand(height, width), y.view(height, 1).expand(height, width)), dim=-1)


def _per_axis(values: Sequence[float], like: Tensor) -> Tensor:
    return torch.tensor(values, dtype=like.dtype, device=like.device)


def pixels_to_normalized(coordinates: Tensor, size: Sequence[int], *, align_corners: bool) -> Tensor:
    """Convert pixel coordinates ``(..., 2)`` (x, y) on an image of ``size = (H, W)`` to normalised ones."""
    check_tensor(coordinates, "coordinates")
    if coordinates.shape[-1:] != (2,):
        raise InputError(f"coordinates must have shape (..., 2), got {tuple(coordinates.shape)}")
    height, width = check_size(size)
    if check_align_corners(align_corners):
        denominator = _per_axis((max(width - 1, 1), max(height - 1, 1)), coordinates)
        return 2 * (coordinates / denominator) - 1
    return (2 * coordinates + 1) / _per_axis((width, height), coordinates) - 1


def normalized_to_pixels(coordinates: Tensor, size: Sequence[int], *, align_corners: bool) -> Tensor:
    """Convert normalised coordinates ``(..., 2)`` (x, y) to pixel coordinates on an image of ``size = (H, W)``."""
    check_tensor(coordinates, "coordinates")
    if coordinates.shape[-1:] != (2,):
        raise InputError(f"coordinates must have shape (..., 2), got {tuple(coordinates.shape)}")
    height, width = check_size(size)
    if check_align_corners(align_corners):
        return (coordinates + 1) / 2 * _per_axis((width - 1, height - 1), coordinates)
    return ((coordinates + 1) * _per_axis((width, height), coordinates) - 1) / 2


@lru_cache(maxsize=64)
def _cached_half_extent(
    height: int, width: int, align_corners: bool, dtype: torch.dtype, device: torch.device
) -> Tensor:
    if align_corners:
        extent = ((width - 1) / 2.0 if width > 1 else 1.0, (height - 1) / 2.0 if height > 1 else 1.0)
    else:
        extent = (width / 2.0, height / 2.0)
    with torch.inference_mode(False):
        return torch.tensor(extent, dtype=dtype, device=device).view(1, 2, 1, 1)


def _half_extent(height: int, width: int, align_corners: bool, like: Tensor) -> Tensor:
    """Pixels per normalised unit for (x, y), shape ``(1, 2, 1, 1)``: ``(n - 1) / 2`` or ``n / 2``.

    Half-integers are exact in float32/float64, so dividing by them is correctly rounded. A
    size-1 axis with ``align_corners=True`` has no extent; its divisor is 1 (any value samples
    the one pixel). Cached per size, dtype and device (read-only).
    """
    return _cached_half_extent(height, width, align_corners, like.dtype, like.device)


def flow_pixels_to_normalized(flow: Tensor, *, align_corners: bool) -> Tensor:
    """Pixel flow ``(B, 2, H, W)`` -> the same displacements in normalised units ``(B, 2, H, W)``."""
    check_shape(flow, "flow", "(B, 2, H, W)", 4, {1: 2})
    return flow / _half_extent(flow.shape[2], flow.shape[3], check_align_corners(align_corners), flow)


def flow_normalized_to_pixels(flow: Tensor, *, align_corners: bool) -> Tensor:
    """Normalised flow ``(B, 2, H, W)`` -> the same displacements in pixels of the ``H x W`` grid."""
    check_shape(flow, "flow", "(B, 2, H, W)", 4, {1: 2})
    return flow * _half_extent(flow.shape[2], flow.shape[3], check_align_corners(align_corners), flow)


def flow_to_grid(flow: Tensor, *, align_corners: bool, units: str = "pixels", method: str = "linspace") -> Tensor:
    """Backward flow ``(B, 2, H, W)`` -> sampling grid ``(B, H, W, 2)`` for ``grid_sample``.

    ``grid[b, i, j] = identity(i, j) + flow[b, :, i, j]`` in normalised units, so sampling with
    it gives ``image(p + flow(p))``. ``units`` says whether ``flow`` is in ``"pixels"`` of the
    ``H x W`` grid (divided by the half-extent, see :func:`flow_pixels_to_normalized`) or
    already ``"normalized"``. ``method`` builds the identity (see :func:`coordinate_grid`).
    The result is a permuted view of a ``(B, 2, H, W)`` tensor (``grid_sample`` reads it as
    fast as a contiguous grid); call ``.contiguous()`` if a contiguous layout is needed.
    """
    check_shape(flow, "flow", "(B, 2, H, W)", 4, {1: 2})
    align_corners = check_align_corners(align_corners)
    height, width = flow.shape[2], flow.shape[3]
    check_choice(method, "method", GRID_METHODS)
    identity = _planar_identity(height, width, align_corners, method, flow.dtype, flow.device)
    if check_choice(units, "units", FLOW_UNITS) == "normalized":
        grid = identity + flow
    else:
        grid = torch.addcdiv(identity, flow, _half_extent(height, width, align_corners, flow))
    # computed in the flow's planar layout (one contiguous pass), returned as a (B, H, W, 2) view
    return grid.permute(0, 2, 3, 1)


def grid_to_flow(grid: Tensor, *, align_corners: bool, units: str = "pixels", method: str = "linspace") -> Tensor:
    """Sampling grid ``(B, H, W, 2)`` -> backward flow ``(B, 2, H, W)`` in ``units``.

    The inverse of :func:`flow_to_grid` (same ``align_corners``, ``units`` and ``method``).
    """
    check_shape(grid, "grid", "(B, H, W, 2)", 4, {3: 2})
    align_corners = check_align_corners(align_corners)
    check_choice(units, "units", FLOW_UNITS)
    identity = coordinate_grid(
        grid.shape[1], grid.shape[2], align_corners=align_corners, method=method, dtype=grid.dtype, device=grid.device
    )
    flow = (grid - identity).permute(0, 3, 1, 2)
    if units == "pixels":
        flow = flow_normalized_to_pixels(flow, align_corners=align_corners)
    return flow


def resize_grid(grid: Tensor, size: Sequence[int], *, align_corners: bool, mode: str = "bilinear") -> Tensor:
    """Resample a sampling grid ``(B, h, w, 2)`` to ``(B, H, W, 2)`` with ``size = (H, W)``.

    The grid's values are positions in normalised units, which do not depend on resolution, so
    only the field is interpolated (no rescaling of the values). ``align_corners`` is passed to
    ``F.interpolate`` (ignored for ``mode="nearest"``). The first-order model resizes its
    deformation this way with ``align_corners=False``.
    """
    check_shape(grid, "grid", "(B, H, W, 2)", 4, {3: 2})
    height, width = check_size(size)
    align_corners = check_align_corners(align_corners)
    check_sampling_mode(mode)
    field = grid.permute(0, 3, 1, 2)
    if mode == "nearest":
        field = F.interpolate(field, size=(height, width), mode=mode)
    else:
        field = F.interpolate(field, size=(height, width), mode=mode, align_corners=align_corners)
    return field.permute(0, 2, 3, 1)
