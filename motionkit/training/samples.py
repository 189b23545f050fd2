"""Visual samples: the method's named images and clips arranged as one labelled PNG grid per sample step."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ..checkpoint import atomic_write

LABEL_WIDTH = 96


def image_grid(visuals: dict[str, torch.Tensor], max_items: int = 4, max_frames: int = 8, pad: int = 2) -> np.ndarray:
    """One row per named visual in [0, 1] -> uint8 ``(H', W', 3)``.

    An image batch ``(B, 3 or 1, H, W)`` shows its first ``max_items`` images; a clip batch
    ``(B, T, 3 or 1, H, W)`` shows the first ``max_frames`` frames of its first clip. Visuals of different
    sizes are resized to the first one's size."""
    if not visuals:
        raise ValueError("no visuals to arrange")
    rows = []
    height = width = None
    for name, images in visuals.items():
        if isinstance(images, torch.Tensor) and images.dim() == 5:
            images = images[0, :max_frames]
        elif isinstance(images, torch.Tensor):
            images = images[:max_items]
        if not isinstance(images, torch.Tensor) or images.dim() != 4 or images.shape[1] not in (1, 3):
            shape = tuple(visuals[name].shape) if isinstance(images, torch.Tensor) else type(images).__name__
            raise ValueError(f"visual '{name}' must be (B, 1 or 3, H, W) or (B, T, 1 or 3, H, W), got {shape}")
        images = images.detach().float().cpu()
        if images.shape[1] == 1:
            images = images.expand(-1, 3, -1, -1)
        if height is None:
            height, width = images.shape[-2:]
        elif images.shape[-2:] != (height, width):
            images = torch.nn.functional.interpolate(images, size=(height, width), mode="bilinear", align_corners=False)
        rows.append(images.clamp(0, 1))
    columns = max(r.shape[0] for r in rows)
    grid = torch.ones(3, len(rows) * (height + pad) + pad, columns * (width + pad) + pad)
    for i, images in enumerate(rows):
        for j, image in enumerate(images):
            top, left = pad + i * (height + pad), pad + j * (width + pad)
            grid[:, top: top + height, left: left + width] = image
    return (grid.permute(1, 2, 0).numpy() * 255 + 0.5).astype(np.uint8)


def write_sample_grid(path: Path, visuals: dict[str, torch.Tensor], pad: int = 2) -> Path:
    """Write :func:`image_grid` of ``visuals`` as a PNG (atomically), each row named on its left."""
    from PIL import Image, ImageDraw

    pixels = image_grid(visuals, pad=pad)
    canvas = Image.new("RGB", (pixels.shape[1] + LABEL_WIDTH, pixels.shape[0]), "white")
    canvas.paste(Image.fromarray(pixels), (LABEL_WIDTH, 0))
    draw = ImageDraw.Draw(canvas)
    row_height = (pixels.shape[0] - pad) // len(visuals)
    for i, name in enumerate(visuals):
        draw.text((4, pad + i * row_height + row_height // 2 - 5), name[:16], fill="black")
    return atomic_write(path, lambda tmp: canvas.save(tmp, format="PNG"))
