"""Turn intermediate tensors into pictures for the gallery: keypoints, occlusion maps, label maps, strips."""
from __future__ import annotations

import colorsys

import torch

from ..errors import InputError


def palette(count: int) -> torch.Tensor:
    """``(count, 3)`` distinct saturated colours in [0, 1] (evenly spaced hues)."""
    if count < 1:
        raise ValueError(f"palette: count must be >= 1, got {count}")
    return torch.tensor([colorsys.hsv_to_rgb(i / count, 0.85, 1.0) for i in range(count)], dtype=torch.float32)


def draw_keypoints(frames: torch.Tensor, keypoints: torch.Tensor, radius: float = 0.05) -> torch.Tensor:
    """Paint keypoints as coloured dots with a dark rim.

    :param frames: ``(T, 3, H, W)`` in [0, 1].
    :param keypoints: ``(T, K, 2)`` normalised [-1, 1], x first (docs/conventions.md).
    :param radius: dot radius in normalised units of the shorter side (at least 1.5 pixels).
    :returns: ``(T, 3, H, W)`` in [0, 1]; keypoint ``k`` has colour ``palette(K)[k]`` in every frame.
    """
    if frames.ndim != 4 or frames.shape[1] != 3:
        raise InputError(f"draw_keypoints: frames must be (T, 3, H, W), got {tuple(frames.shape)}")
    if keypoints.ndim != 3 or keypoints.shape[-1] != 2 or keypoints.shape[0] != frames.shape[0]:
        raise InputError(f"draw_keypoints: keypoints must be (T={frames.shape[0]}, K, 2), got {tuple(keypoints.shape)}")
    frames = frames.detach().float().cpu().clone()
    keypoints = keypoints.detach().float().cpu()
    _, _, height, width = frames.shape
    ys = torch.linspace(-1, 1, height).view(1, 1, height, 1)
    xs = torch.linspace(-1, 1, width).view(1, 1, 1, width)
    aspect = torch.tensor([width / min(height, width), height / min(height, width)])
    dx = (xs - keypoints[..., 0, None, None]) * aspect[0]
    dy = (ys - keypoints[..., 1, None, None]) * aspect[1]
    distance = (dx ** 2 + dy ** 2).sqrt()  # (T, K, H, W)
    radius = max(radius, 3.0 / min(height, width))
    colours = palette(keypoints.shape[1])
    for k in range(keypoints.shape[1]):
        rim = (distance[:, k] <= radius * 1.45).unsqueeze(1)
        dot = (distance[:, k] <= radius).unsqueeze(1)
        frames = torch.where(rim, torch.zeros_like(frames), frames)
        frames = torch.where(dot, colours[k].view(1, 3, 1, 1).expand_as(frames), frames)
    return frames


def gray_to_rgb(maps: torch.Tensor) -> torch.Tensor:
    """``(T, 1, H, W)`` maps in [0, 1] (occlusion, masks) -> ``(T, 3, H, W)`` gray images."""
    if maps.ndim != 4 or maps.shape[1] != 1:
        raise InputError(f"gray_to_rgb: expected (T, 1, H, W), got {tuple(maps.shape)}")
    return maps.detach().float().cpu().clamp(0, 1).expand(-1, 3, -1, -1).contiguous()


def labels_to_rgb(labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Label maps ``(T, H, W)`` int64 with ids ``0..num_classes-1`` -> ``(T, 3, H, W)``; class 0 is black."""
    if labels.ndim != 3 or labels.dtype != torch.int64:
        raise InputError(f"labels_to_rgb: expected (T, H, W) int64 labels, got {tuple(labels.shape)} {labels.dtype}")
    if labels.numel() and (labels.min() < 0 or labels.max() >= num_classes):
        raise InputError(f"labels_to_rgb: ids must be in [0, {num_classes - 1}], got "
                         f"[{int(labels.min())}, {int(labels.max())}]")
    colours = torch.cat([torch.zeros(1, 3), palette(max(num_classes - 1, 1))])
    return colours[labels.cpu()].permute(0, 3, 1, 2).contiguous()


def side_by_side(*videos: torch.Tensor, gap: int = 2) -> torch.Tensor:
    """Concatenate ``(T, 3, H, W)`` videos of equal ``T`` and ``H`` left to right with white gaps of ``gap`` px,
    so compared clips play in sync."""
    if not videos:
        raise ValueError("side_by_side: no videos given")
    first = videos[0]
    for i, v in enumerate(videos):
        if v.ndim != 4 or v.shape[0] != first.shape[0] or v.shape[1] != 3 or v.shape[2] != first.shape[2]:
            raise InputError(f"side_by_side: video {i} has shape {tuple(v.shape)}; all must be "
                             f"(T={first.shape[0]}, 3, H={first.shape[2]}, W)")
    spacer = torch.ones(first.shape[0], 3, first.shape[2], gap)
    parts: list[torch.Tensor] = []
    for v in videos:
        if parts:
            parts.append(spacer)
        parts.append(v.detach().float().cpu().clamp(0, 1))
    return torch.cat(parts, dim=-1)
