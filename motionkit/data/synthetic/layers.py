"""Layered rendering with exact ground truth.

A scene is a stack of layers, back to front. Each layer is a rounded box in its own canonical coordinates
(a full-frame layer has infinite extent) filled with a procedural texture, and is placed in every frame by an
affine map (canonical -> normalised frame coordinates). Because textures are functions of canonical
coordinates, the backward flow between two frames is known in closed form: a pixel ``p`` owned by layer ``l``
at the target frame shows the canonical point ``A_l,target^-1(p)``, which sat at ``A_l,source(A_l,target^-1(p))``
in the source frame. The point is visible in the source frame iff layer ``l`` also owns that position there.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from .affine import apply

#: half extent of "unbounded" boxes, small enough to keep float32 edge positions exact to ~1e-4 units
INFINITE = 1e3


@dataclass
class LayerStack:
    """Appearance of ``L`` layers (back to front).

    box: ``(L, 3)`` half width, half height and corner radius in canonical units (``INFINITE`` half extents for a
    full-frame layer). colors: ``(L, 2, 3)`` two RGB colours in [0, 1] the texture blends between.
    frequencies: ``(L, K, 2)`` canonical-space wave vectors (radians per unit); phases: ``(L, K)``;
    sharpness: ``(L,)`` 0 gives smooth gradients, large values give stripes/checks. labels / instances:
    ``(L,)`` int64 class and instance id of each layer.
    """

    box: Tensor
    colors: Tensor
    frequencies: Tensor
    phases: Tensor
    sharpness: Tensor
    labels: Tensor
    instances: Tensor

    def __len__(self) -> int:
        return self.box.shape[0]

    @staticmethod
    def build(boxes: list[list[float]], textures: list[dict[str, Tensor]], labels: list[int],
              instances: list[int]) -> "LayerStack":
        """Layers from per-layer boxes, texture field dicts (:func:`random_texture`, one or more layers
        each, concatenated in order), class labels and instance ids."""
        fields = {key: torch.cat([texture[key] for texture in textures]) for key in textures[0]}
        return LayerStack(box=torch.tensor(boxes, dtype=torch.float32), labels=torch.tensor(labels, dtype=torch.int64),
                          instances=torch.tensor(instances, dtype=torch.int64), **fields)


def random_texture(rng: np.random.Generator, count: int, base: np.ndarray, contrast: float,
                   frequency: tuple[float, float], sharpness: float, waves: int = 3) -> dict[str, Tensor]:
    """Texture fields for ``count`` layers around RGB ``base``: random second colour at ``contrast``,
    ``waves`` random wave vectors with magnitude in ``frequency`` (radians per canonical unit)."""
    base = np.clip(np.asarray(base, np.float64) + rng.normal(0, 0.06, (count, 3)), 0.05, 0.95)
    other = np.clip(base + rng.normal(0, contrast, (count, 3)), 0, 1)
    angle = rng.uniform(0, np.pi, (count, waves))
    magnitude = rng.uniform(*frequency, (count, waves))
    vectors = np.stack([np.cos(angle), np.sin(angle)], -1) * magnitude[..., None]
    return {
        "colors": torch.as_tensor(np.stack([base, other], 1), dtype=torch.float32),
        "frequencies": torch.as_tensor(vectors, dtype=torch.float32),
        "phases": torch.as_tensor(rng.uniform(0, 2 * np.pi, (count, waves)), dtype=torch.float32),
        "sharpness": torch.full((count,), float(sharpness)),
    }


def grid_texture(rng: np.random.Generator, count: int, base: np.ndarray, contrast: float,
                 frequency: tuple[float, float], sharpness: float) -> dict[str, Tensor]:
    """Axis-aligned textures (window grids, bricks) with the fields of :func:`random_texture` (3 waves:
    horizontal, vertical, and the horizontal one repeated so columns dominate)."""
    fields = random_texture(rng, count, base, contrast, frequency, sharpness, waves=3)
    magnitude = fields["frequencies"].norm(dim=-1)
    zero = torch.zeros(count)
    horizontal = torch.stack([magnitude[:, 0], zero], -1)
    fields["frequencies"] = torch.stack([horizontal, torch.stack([zero, magnitude[:, 1]], -1), horizontal], 1)
    fields["phases"][:, 2] = fields["phases"][:, 0]
    return fields


def pixel_centres(height: int, width: int, dtype: torch.dtype = torch.float32) -> Tensor:
    """Normalised coordinates of pixel centres, ``(H * W, 2)`` x first, row-major."""
    ys = (torch.arange(height, dtype=dtype) * 2 + 1) / height - 1
    xs = (torch.arange(width, dtype=dtype) * 2 + 1) / width - 1
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")
    return torch.stack([grid_x, grid_y], -1).reshape(-1, 2)


def _bounds(stack: LayerStack, placement: Tensor, height: int, width: int) -> tuple[Tensor, Tensor]:
    """Corners ``(N, L, 2)`` (low, high) of each placed layer's bounding box, grown by one pixel."""
    signs = torch.tensor([[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]])
    corners = apply(placement, (signs[None] * stack.box[:, None, :2]).expand(placement.shape[0], -1, -1, -1))
    margin = torch.tensor([2.0 / width, 2.0 / height])
    return corners.min(2).values - margin, corners.max(2).values + margin


def _pixels_per_unit(placement: Tensor, height: int, width: int) -> Tensor:
    """``(N, L)`` pixels per canonical unit of each placed layer (geometric mean over both axes)."""
    return placement[..., :2, :2].det().abs().sqrt() * (height * width) ** 0.5 / 2


def _alpha(stack: LayerStack, layer: int, canonical: Tensor, pixels_per_unit: Tensor) -> Tensor:
    """Coverage in [0, 1] of canonical points ``(..., 2)`` by ``layer``'s rounded box, anti-aliased over
    about one pixel (``pixels_per_unit`` broadcasts against ``canonical.shape[:-1]``)."""
    half, radius = stack.box[layer, :2], stack.box[layer, 2]
    excess = canonical.abs() - (half - radius)
    distance = excess.clamp(min=0).norm(dim=-1) + excess.amax(-1).clamp(max=0) - radius  # < 0 inside
    return (0.5 - distance * pixels_per_unit).clamp(0, 1)


def _texture(stack: LayerStack, layer: int, canonical: Tensor) -> Tensor:
    """RGB ``(..., 3)`` of ``layer``'s texture at canonical points ``(..., 2)``."""
    pattern = torch.sin(canonical @ stack.frequencies[layer].T + stack.phases[layer]).mean(-1)  # [-1, 1]
    sharpness = float(stack.sharpness[layer])
    mix = torch.sigmoid(pattern * sharpness) if sharpness > 0 else 0.5 + 0.5 * pattern
    low, high = stack.colors[layer]
    return low + (high - low) * mix[..., None]


def _span(low: float, high: float, size: int) -> tuple[int, int]:
    """Pixel index range ``[first, end)`` whose centres lie in normalised ``[low, high]``."""
    first = math.ceil((low + 1) * size / 2 - 0.5)
    end = math.floor((high + 1) * size / 2 - 0.5) + 1
    return max(0, first), min(size, end)


def _owner_at(stack: LayerStack, placement: Tensor, points: Tensor, height: int, width: int) -> Tensor:
    """Index ``(N, P)`` of the front-most layer with alpha > 0.5 at ``points (N, P, 2)`` (normalised) of the
    frames placed by ``placement (N, L, 3, 3)``; the back layer (0) covers everything."""
    count = placement.shape[0]
    coefficients = torch.linalg.inv(placement)[..., :2, :].reshape(count, len(stack), 6)
    scale = _pixels_per_unit(placement, height, width)
    low, high = _bounds(stack, placement, height, width)
    owner = torch.zeros(points.shape[:2], dtype=torch.int64)
    for layer in range(1, len(stack)):
        near = ((points >= low[:, None, layer]) & (points <= high[:, None, layer])).all(-1)
        frame, point = torch.nonzero(near, as_tuple=True)
        if frame.numel() == 0:
            continue
        c, p = coefficients[frame, layer], points[frame, point]
        canonical = torch.stack([c[:, 0] * p[:, 0] + c[:, 1] * p[:, 1] + c[:, 2],
                                 c[:, 3] * p[:, 0] + c[:, 4] * p[:, 1] + c[:, 5]], -1)
        covered = _alpha(stack, layer, canonical, scale[frame, layer]) > 0.5
        owner[frame[covered], point[covered]] = layer
    return owner


@dataclass
class Rendering:
    """frames ``(N, 3, H, W)`` in [0, 1]; owner ``(N, H, W)`` layer index; labels / instances ``(N, H, W)``."""

    frames: Tensor
    owner: Tensor
    labels: Tensor
    instances: Tensor


def render(stack: LayerStack, placement: Tensor, height: int, width: int) -> Rendering:
    """Render ``N`` frames of ``stack`` placed by ``placement (N, L, 3, 3)`` (canonical -> frame).

    Layers are composited back to front ("over"), each evaluated only on the pixels of its bounding box."""
    count = placement.shape[0]
    grid = pixel_centres(height, width).view(height, width, 2)
    inverse = torch.linalg.inv(placement)
    scale = _pixels_per_unit(placement, height, width)
    low, high = _bounds(stack, placement, height, width)
    frames = torch.zeros(count, height, width, 3)
    owner = torch.zeros(count, height, width, dtype=torch.int64)
    for layer in range(len(stack)):
        top, bottom = _span(float(low[:, layer, 1].min()), float(high[:, layer, 1].max()), height)
        left, right = _span(float(low[:, layer, 0].min()), float(high[:, layer, 0].max()), width)
        if top >= bottom or left >= right:
            continue
        canonical = apply(inverse[:, layer], grid[top:bottom, left:right].reshape(1, -1, 2))  # (N, M, 2)
        alpha = _alpha(stack, layer, canonical, scale[:, layer, None]).view(count, bottom - top, right - left, 1)
        color = _texture(stack, layer, canonical).view(count, bottom - top, right - left, 3)
        region = frames[:, top:bottom, left:right]
        region.mul_(1 - alpha).add_(color * alpha)
        owner[:, top:bottom, left:right][alpha[..., 0] > 0.5] = layer
    return Rendering(
        frames=frames.permute(0, 3, 1, 2).clamp(0, 1).contiguous(),
        owner=owner,
        labels=stack.labels[owner],
        instances=stack.instances[owner],
    )


def backward_flow(stack: LayerStack, target: Tensor, source: Tensor, target_owner: Tensor) -> tuple[Tensor, Tensor]:
    """Exact backward flow from target frames to source frames and its visibility mask.

    target, source: placements ``(N, L, 3, 3)``; target_owner: ``(N, H, W)`` from :func:`render`.
    Returns flow ``(N, 2, H, W)`` in pixels (``warp(source_frame, flow) ~ target_frame``) and visible
    ``(N, 1, H, W)``: 1 where the target pixel's surface point is in the source frame and owned by the same
    layer there (not occluded, not out of view).
    """
    count, height, width = target_owner.shape
    points = pixel_centres(height, width)  # (P, 2)
    owner = target_owner.reshape(count, -1)
    mapping = (source @ torch.linalg.inv(target))[..., :2, :].reshape(count, len(stack), 6)  # target -> source
    c = torch.gather(mapping, 1, owner[..., None].expand(-1, -1, 6))  # (N, P, 6): each pixel's own layer
    x, y = points[:, 0], points[:, 1]
    moved = torch.stack([c[..., 0] * x + c[..., 1] * y + c[..., 2], c[..., 3] * x + c[..., 4] * y + c[..., 5]], -1)
    flow = ((moved - points) * torch.tensor([width / 2, height / 2])).view(count, height, width, 2).permute(0, 3, 1, 2)
    in_view = (moved.abs() <= 1).all(-1)
    visible = (_owner_at(stack, source, moved, height, width) == owner) & in_view
    return flow.contiguous(), visible.view(count, 1, height, width).float()
