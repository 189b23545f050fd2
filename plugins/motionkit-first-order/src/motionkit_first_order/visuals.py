"""Drawing keypoints onto images for training samples and previews."""
from __future__ import annotations

import colorsys

import torch


def keypoint_colors(count: int) -> torch.Tensor:
    """``(count, 3)`` distinct RGB colours in [0, 1] (hues spread over the colour wheel)."""
    return torch.tensor([colorsys.hsv_to_rgb(k / max(count, 1), 1.0, 1.0) for k in range(count)])


def draw_keypoints(images: torch.Tensor, keypoints: torch.Tensor, radius: float = 0.04) -> torch.Tensor:
    """Copy of ``images (B, 3, H, W)`` in [0, 1] with a filled disc per keypoint ``(B, K, 2)`` (normalised,
    x first, align_corners=True); ``radius`` in normalised units of the shorter side."""
    batch, _, height, width = images.shape
    ys = torch.linspace(-1, 1, height, device=images.device, dtype=images.dtype).view(1, 1, height, 1)
    xs = torch.linspace(-1, 1, width, device=images.device, dtype=images.dtype).view(1, 1, 1, width)
    kp = keypoints.to(images.dtype)
    distance = (xs - kp[..., 0, None, None]) ** 2 * (width / min(height, width)) ** 2 + (
        ys - kp[..., 1, None, None]
    ) ** 2 * (height / min(height, width)) ** 2  # (B, K, H, W)
    discs = (distance <= radius**2).to(images.dtype)
    colors = keypoint_colors(keypoints.shape[1]).to(images)
    out = images.clone()
    for k in range(keypoints.shape[1]):  # later keypoints drawn on top
        mask = discs[:, k : k + 1]
        out = out * (1 - mask) + colors[k].view(1, 3, 1, 1) * mask
    return out
