"""Checking metric inputs and bringing images and videos to one layout."""
from __future__ import annotations

import torch

from ..errors import InputError


def check_images(x: object, name: str, *, channels: tuple[int, ...] = (3,)) -> torch.Tensor:
    """``x`` as frames ``(N, C, H, W)``: images ``(N, C, H, W)`` pass, videos ``(B, T, C, H, W)`` are
    flattened over time. Values must lie in [0, 1]."""
    if not isinstance(x, torch.Tensor):
        raise InputError(f"{name}: expected a torch.Tensor, got {type(x).__name__}")
    if x.dim() == 5:
        x = x.flatten(0, 1)
    if x.dim() != 4 or x.shape[1] not in channels:
        raise InputError(
            f"{name}: expected images (N, C, H, W) or videos (B, T, C, H, W) with C in {channels}, "
            f"got shape {tuple(x.shape)}"
        )
    if not x.is_floating_point():
        raise InputError(f"{name}: expected a float tensor in [0, 1], got {x.dtype}")
    if x.numel() and (x.min() < -1e-4 or x.max() > 1 + 1e-4):
        raise InputError(f"{name}: values must lie in [0, 1], got [{float(x.min()):.4g}, {float(x.max()):.4g}]")
    return x


def check_videos(x: object, name: str, *, min_frames: int = 1) -> torch.Tensor:
    """``x`` as videos ``(B, T, 3, H, W)`` in [0, 1] (a single ``(T, 3, H, W)`` video gains B = 1)."""
    if isinstance(x, torch.Tensor) and x.dim() == 4:
        x = x.unsqueeze(0)
    if not isinstance(x, torch.Tensor) or x.dim() != 5:
        shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise InputError(f"{name}: expected videos (B, T, 3, H, W), got {shape}")
    check_images(x, name)
    if x.shape[1] < min_frames:
        raise InputError(f"{name}: needs at least {min_frames} frames per video, got {x.shape[1]}")
    return x


def check_pair(pred: torch.Tensor, target: torch.Tensor, pred_name: str = "prediction",
               target_name: str = "target") -> None:
    """Both tensors must have the same shape."""
    if pred.shape != target.shape:
        raise InputError(f"{pred_name} {tuple(pred.shape)} and {target_name} {tuple(target.shape)} differ in shape")
