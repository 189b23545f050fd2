"""Conversions between uint8 ``(H, W, C)`` frames and float tensors in ``[0, 1]``."""
from __future__ import annotations

from typing import Sequence, Union

import numpy as np
import torch

from ..errors import InputError


def as_rgb_uint8(frame: np.ndarray, source: str = "frame") -> np.ndarray:
    """Return ``frame`` as a C-contiguous uint8 ``(H, W, 3)`` RGB array.

    Gray ``(H, W)`` / ``(H, W, 1)`` frames are replicated to three channels; RGBA / gray+alpha frames
    lose their alpha channel (colour values are kept as stored). 16-bit frames are scaled to 8 bits.
    ``source`` names the file or tensor in error messages.
    """
    array = np.asarray(frame)
    if array.dtype == np.uint16:
        array = (array.astype(np.uint32) * 255 + 32767) // 65535
        array = array.astype(np.uint8)
    elif array.dtype == bool:
        array = array.astype(np.uint8) * 255
    elif array.dtype != np.uint8:
        raise InputError(f"{source}: expected uint8 pixels, got dtype {array.dtype}")
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or array.shape[0] == 0 or array.shape[1] == 0:
        raise InputError(f"{source}: expected an (H, W, C) image, got shape {tuple(array.shape)}")
    channels = array.shape[2]
    if channels in (1, 2):
        array = np.repeat(array[:, :, :1], 3, axis=2)
    elif channels == 4:
        array = array[:, :, :3]
    elif channels != 3:
        raise InputError(f"{source}: expected 1 (gray), 2, 3 (RGB) or 4 (RGBA) channels, got {channels}")
    return np.ascontiguousarray(array)


def frame_to_tensor(frame: np.ndarray, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """uint8 ``(H, W, C)`` (gray/RGB/RGBA) -> ``(3, H, W)`` float in ``[0, 1]``."""
    rgb = as_rgb_uint8(frame)
    return torch.from_numpy(rgb).permute(2, 0, 1).to(dtype).div_(255.0)


def frames_to_tensor(
    frames: Union[np.ndarray, Sequence[np.ndarray]], dtype: torch.dtype = torch.float32
) -> torch.Tensor:
    """uint8 frames ``(T, H, W, C)`` or a list of ``(H, W, C)`` -> ``(T, 3, H, W)`` float in ``[0, 1]``."""
    if len(frames) == 0:
        raise InputError("frames_to_tensor: got no frames")
    return torch.stack([frame_to_tensor(f, dtype) for f in frames])


def tensor_to_frame(image: torch.Tensor, name: str = "image") -> np.ndarray:
    """``(C, H, W)`` float in ``[0, 1]`` (C = 1 or 3) -> uint8 ``(H, W, 3)``; values are clamped and rounded."""
    if not isinstance(image, torch.Tensor):
        raise InputError(f"{name}: expected a torch.Tensor, got {type(image).__name__}")
    if image.ndim != 3 or image.shape[0] not in (1, 3):
        raise InputError(f"{name}: expected shape (C, H, W) with C in (1, 3), got {tuple(image.shape)}")
    if not image.is_floating_point():
        raise InputError(f"{name}: expected a float tensor in [0, 1], got dtype {image.dtype}")
    pixels = image.detach().float().clamp(0.0, 1.0).mul(255.0).round().to(torch.uint8)
    if pixels.shape[0] == 1:
        pixels = pixels.expand(3, -1, -1)
    return np.ascontiguousarray(pixels.permute(1, 2, 0).cpu().numpy())


def tensor_to_frames(video: torch.Tensor, name: str = "video") -> np.ndarray:
    """``(T, C, H, W)`` float in ``[0, 1]`` -> uint8 ``(T, H, W, 3)``."""
    if not isinstance(video, torch.Tensor) or video.ndim != 4:
        shape = tuple(video.shape) if isinstance(video, torch.Tensor) else type(video).__name__
        raise InputError(f"{name}: expected a (T, C, H, W) tensor, got {shape}")
    return np.stack([tensor_to_frame(frame, f"{name}[{t}]") for t, frame in enumerate(video)])


def to_uint8_frame(frame: Union[np.ndarray, torch.Tensor], name: str = "frame") -> np.ndarray:
    """Accept a uint8 ``(H, W, C)`` array or a float ``(C, H, W)`` tensor; return uint8 ``(H, W, 3)``."""
    if isinstance(frame, torch.Tensor):
        return tensor_to_frame(frame, name)
    return as_rgb_uint8(frame, name)
