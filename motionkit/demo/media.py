"""Write a section's media into the gallery folder: MP4 (H.264, yuv420p) + GIF fallback, PNG images."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Union

import torch
from PIL import Image

from ..errors import InputError
from ..io import write_image, write_video
from ..io.atomic import atomic_file
from .result import MediaItem

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_stem(name: str) -> str:
    """A file-name stem made of letters, digits, ``.``, ``_`` and ``-`` only."""
    stem = _SAFE.sub("-", name).strip("-.")
    if not stem:
        raise ValueError(f"media name {name!r} has no usable characters")
    return stem


def make_readable(path: Path) -> Path:
    """Give a written file the usual ``rw-r--r--`` mode (atomic writes create private temp files), so a web
    server can serve the gallery."""
    path.chmod(0o644)
    return path


def _check_frames(frames: torch.Tensor, name: str) -> torch.Tensor:
    if not isinstance(frames, torch.Tensor):
        raise InputError(f"video '{name}': expected a (T, 3, H, W) tensor, got {type(frames).__name__}")
    if frames.ndim == 5 and frames.shape[0] == 1:
        frames = frames[0]
    if frames.ndim != 4 or frames.shape[1] not in (1, 3) or frames.shape[0] == 0:
        raise InputError(f"video '{name}': expected (T, 3, H, W) or (1, T, 3, H, W) frames in [0, 1], "
                         f"got shape {tuple(frames.shape)}")
    if not torch.isfinite(frames).all():
        raise InputError(f"video '{name}': frames contain NaN or infinite values")
    frames = frames.detach().to("cpu", torch.float32).clamp(0, 1)
    return frames.expand(-1, 3, -1, -1) if frames.shape[1] == 1 else frames


def upscale_frames(frames: torch.Tensor, min_size: int) -> torch.Tensor:
    """Nearest-neighbour upscale ``(T, C, H, W)`` frames by an integer factor so the shorter side is at least
    ``min_size`` (small synthetic clips stay crisp in the browser and in codecs)."""
    factor = max(1, -(-min_size // min(frames.shape[-2:])))
    if factor == 1:
        return frames
    return frames.repeat_interleave(factor, dim=-2).repeat_interleave(factor, dim=-1)


def save_video(gallery_dir: Path, folder: str, name: str, frames: torch.Tensor, *, caption: str, role: str,
               fps: float = 8.0, min_size: int = 128) -> MediaItem:
    """Write ``frames`` ``(T, 3, H, W)`` in [0, 1] as ``<folder>/<name>.mp4`` plus a GIF fallback.

    Frames are upscaled (nearest) so their shorter side is at least ``min_size`` pixels. Returns the
    :class:`MediaItem` with paths relative to ``gallery_dir``.
    """
    frames = upscale_frames(_check_frames(frames, name), min_size)
    stem = safe_stem(name)
    mp4 = Path(folder) / f"{stem}.mp4"
    gif = Path(folder) / f"{stem}.gif"
    make_readable(write_video(gallery_dir / mp4, frames, fps, quality=18))
    make_readable(_write_gif(gallery_dir / gif, frames, fps))
    _, _, height, width = frames.shape
    return MediaItem("video", mp4.as_posix(), caption, role, width + width % 2, height + height % 2,
                     fallback=gif.as_posix())


def _write_gif(path: Path, frames: torch.Tensor, fps: float) -> Path:
    """Write ``(T, 3, H, W)`` frames as a looping GIF with PIL (in-process: no encoder start-up per clip)."""
    pixels = (frames * 255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
    images = [Image.fromarray(p) for p in pixels]
    with atomic_file(path) as temp:
        images[0].save(temp, format="GIF", save_all=True, append_images=images[1:], duration=round(1000 / fps),
                       loop=0, optimize=False)
    return path


def save_image(gallery_dir: Path, folder: str, name: str, image: Union[torch.Tensor, Image.Image], *,
               caption: str, role: str, min_size: int = 128) -> MediaItem:
    """Write ``image`` (``(3, H, W)`` in [0, 1] or a PIL image) as ``<folder>/<name>.png``."""
    path = Path(folder) / f"{safe_stem(name)}.png"
    target = gallery_dir / path
    if isinstance(image, Image.Image):
        image = image.convert("RGB")
        with atomic_file(target) as temp:
            image.save(temp, format="PNG")
        width, height = image.size
    else:
        frames = upscale_frames(_check_frames(image.unsqueeze(0) if image.ndim == 3 else image, name), min_size)
        if frames.shape[0] != 1:
            raise InputError(f"image '{name}': expected one (3, H, W) image, got {frames.shape[0]} frames")
        write_image(target, frames[0])
        height, width = frames.shape[-2:]
    make_readable(target)
    return MediaItem("image", path.as_posix(), caption, role, int(width), int(height))

