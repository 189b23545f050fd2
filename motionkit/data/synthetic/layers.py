"""Layered rendering with exact ground truth.

A scene is a stack of layers, back to front. Each layer is a rounded box in its own canonical coordinates
(a full-frame layer has infinite extent) filled with a procedural texture, and is placed in every frame by an
affine map (canonical -> normalised frame coordinates). Because textures are functions of canonical
coordinates, the backward flow between two frames is known in closed form: a pixel ``p`` owned by layer ``l``
at the target frame shows the canonical point ``A_l,target^-1(p)``, which sat at ``A_l,source(A_l,target^-1(p))``
in the source frame. The point is visible in the source frame iff layer ``l`` also owns that position there.
"""
from __future__ import annotations

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

    def select(self, index: Tensor) -> "LayerStack":
        """The layers at ``index`` (a 1-D index tensor), in that order."""
        return LayerStack(*(getattr(self, f)[index] for f in LayerStack.__dataclass_fields__))

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


def _canonical(inverse: Tensor, points: Tensor, frame: Tensor, layer: Tensor, point: Tensor) -> Tensor:
    """Canonical coordinates ``(M, 2)`` of the selected (frame, layer, point) entries (``inverse``: the
    frame -> canonical maps ``(N, L, 3, 3)``)."""
    coefficients = inverse[..., :2, :].reshape(-1, 6)[frame * inverse.shape[1] + layer]  # (M, 6)
    selected = points[frame, point]
    x, y = selected[:, 0], selected[:, 1]
    return torch.stack([coefficients[:, 0] * x + coefficients[:, 1] * y + coefficients[:, 2],
                        coefficients[:, 3] * x + coefficients[:, 4] * y + coefficients[:, 5]], -1)


def _bounds(stack: LayerStack, placement: Tensor, height: int, width: int) -> tuple[Tensor, Tensor]:
    """Corners ``(N, L, 2)`` (low, high) of each placed layer's bounding box, grown by one pixel."""
    signs = torch.tensor([[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]])
    corners = apply(placement, (signs[None] * stack.box[:, None, :2]).expand(placement.shape[0], -1, -1, -1))
    margin = torch.tensor([2.0 / width, 2.0 / height])
    return corners.min(2).values - margin, corners.max(2).values + margin


def _in_view(stack: LayerStack, placement: Tensor, height: int, width: int) -> Tensor:
    """Indices of the layers that reach into the frame in at least one of the N frames (the back layer
    always counts, so every pixel has an owner)."""
    low, high = _bounds(stack, placement, height, width)
    seen = ((low <= 1) & (high >= -1)).all(-1).any(0)
    seen[0] = True
    return torch.nonzero(seen)[:, 0]


def _coverage(stack: LayerStack, placement: Tensor, points: Tensor, height: int, width: int) -> Tensor:
    """Alpha ``(N, L, P)`` of ``points (N, P, 2)`` for each layer placed by ``placement (N, L, 3, 3)``.

    Edges are anti-aliased over about one pixel. Only points inside a layer's bounding box (plus a pixel)
    are evaluated, so small layers cost little."""
    count, layers = placement.shape[:2]
    half = stack.box[:, :2]
    low, high = _bounds(stack, placement, height, width)
    near = ((points[:, None, :, 0] >= low[..., None, 0]) & (points[:, None, :, 0] <= high[..., None, 0])
            & (points[:, None, :, 1] >= low[..., None, 1]) & (points[:, None, :, 1] <= high[..., None, 1]))
    frame, layer, point = torch.nonzero(near, as_tuple=True)
    canonical = _canonical(torch.linalg.inv(placement), points, frame, layer, point)
    box_half, radius = half[layer], stack.box[layer, 2:3]
    excess = canonical.abs() - (box_half - radius)
    distance = excess.clamp(min=0).norm(dim=-1) + excess.max(-1).values.clamp(max=0) - radius[:, 0]
    pixels_per_unit = placement[..., :2, :2].det().abs().sqrt() * (height * width) ** 0.5 / 2  # (N, L)
    alpha = torch.zeros(count, layers, points.shape[1])
    alpha[frame, layer, point] = (0.5 - distance * pixels_per_unit[frame, layer]).clamp(0, 1)
    return alpha


def _owner(alpha: Tensor) -> Tensor:
    """Index of the front-most layer with alpha > 0.5 (the back layer must cover everything)."""
    layers = torch.arange(1, alpha.shape[1], device=alpha.device, dtype=torch.int16).view(1, -1, 1)
    return ((alpha[:, 1:] > 0.5) * layers).amax(1).long()


@dataclass
class Rendering:
    """frames ``(N, 3, H, W)`` in [0, 1]; owner ``(N, H, W)`` layer index; labels / instances ``(N, H, W)``."""

    frames: Tensor
    owner: Tensor
    labels: Tensor
    instances: Tensor


def render(stack: LayerStack, placement: Tensor, height: int, width: int) -> Rendering:
    """Render ``N`` frames of ``stack`` placed by ``placement (N, L, 3, 3)`` (canonical -> frame)."""
    count = placement.shape[0]
    points = pixel_centres(height, width).expand(count, -1, -1)
    kept = _in_view(stack, placement, height, width)
    full_stack, stack, placement = stack, stack.select(kept), placement[:, kept]
    alpha = _coverage(stack, placement, points, height, width)
    # front-to-back transmittance: weight_l = alpha_l * prod_{m > l} (1 - alpha_m)
    above = torch.cumprod((1 - alpha).flip(1), 1).flip(1)
    weight = alpha * torch.cat([above[:, 1:], torch.ones_like(above[:, :1])], 1)  # (N, L, P)
    # textures are evaluated only where a layer contributes (about one layer per pixel)
    frame_i, layer_i, point_i = torch.nonzero(weight > 0, as_tuple=True)
    uv = _canonical(torch.linalg.inv(placement), points, frame_i, layer_i, point_i)  # (M, 2)
    waves = (uv[:, None, :] * stack.frequencies[layer_i]).sum(-1) + stack.phases[layer_i]
    pattern = torch.sin(waves).mean(-1)  # (M,) in [-1, 1]
    sharp = stack.sharpness[layer_i]
    mix = torch.where(sharp > 0, torch.sigmoid(pattern * sharp), 0.5 + 0.5 * pattern)[:, None]
    colors = stack.colors[layer_i]  # (M, 2, 3)
    color = colors[:, 0] * (1 - mix) + colors[:, 1] * mix
    frames = torch.zeros(count * height * width, 3)
    frames.index_add_(0, frame_i * (height * width) + point_i, color * weight[frame_i, layer_i, point_i, None])
    frames = frames.view(count, height * width, 3)
    owner = kept[_owner(alpha)]
    shape = (count, height, width)
    return Rendering(
        frames=frames.reshape(count, height, width, 3).permute(0, 3, 1, 2).clamp(0, 1).contiguous(),
        owner=owner.reshape(shape),
        labels=full_stack.labels[owner].reshape(shape),
        instances=full_stack.instances[owner].reshape(shape),
    )


def backward_flow(stack: LayerStack, target: Tensor, source: Tensor, target_owner: Tensor) -> tuple[Tensor, Tensor]:
    """Exact backward flow from target frames to source frames and its visibility mask.

    target, source: placements ``(N, L, 3, 3)``; target_owner: ``(N, H, W)`` from :func:`render`.
    Returns flow ``(N, 2, H, W)`` in pixels (``warp(source_frame, flow) ~ target_frame``) and visible
    ``(N, 1, H, W)``: 1 where the target pixel's surface point is in the source frame and owned by the same
    layer there (not occluded, not out of view).
    """
    count, height, width = target_owner.shape
    points = pixel_centres(height, width).expand(count, -1, -1)  # (N, P, 2)
    owner = target_owner.reshape(count, -1)
    mapping = source @ torch.linalg.inv(target)  # target frame -> source frame, per layer
    chosen = mapping[torch.arange(count)[:, None], owner]  # (N, P, 3, 3): each pixel's own layer
    moved = (chosen[..., :2, :2] @ points[..., None]).squeeze(-1) + chosen[..., :2, 2]  # (N, P, 2)
    scale = torch.tensor([width / 2, height / 2])
    flow = ((moved - points) * scale).reshape(count, height, width, 2).permute(0, 3, 1, 2)
    kept = _in_view(stack, source, height, width)
    alpha = _coverage(stack.select(kept), source[:, kept], moved, height, width)
    in_view = (moved.abs() <= 1).all(-1)
    visible = (kept[_owner(alpha)] == owner) & in_view
    return flow.contiguous(), visible.reshape(count, 1, height, width).float()
