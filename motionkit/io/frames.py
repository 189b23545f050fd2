"""Single images and folders of frame images (PNG/JPG), with the same reading interface as videos."""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterable, Iterator, Sequence, Union

import imageio.v3 as iio
import numpy as np
import torch
from PIL import Image

from ..errors import InputError
from .atomic import atomic_file, atomic_folder
from .convert import as_rgb_uint8, to_uint8_frame
from .video_reader import VideoInfo, check_readable_file

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")


def read_image(path: Union[str, os.PathLike]) -> np.ndarray:
    """Read an image file as uint8 RGB ``(H, W, 3)``; gray is replicated, alpha dropped, 16-bit scaled."""
    path = check_readable_file(path)
    try:
        pixels = iio.imread(path, plugin="pillow")
    except Exception as error:  # imageio/Pillow raise many types for unreadable data
        raise InputError(f"{path}: not a readable image ({type(error).__name__}: {error})") from None
    if pixels.ndim == 4:  # an animated PNG/GIF read as an image: take its first frame
        pixels = pixels[0]
    return as_rgb_uint8(pixels, str(path))


def read_label_image(path: Union[str, os.PathLike]) -> np.ndarray:
    """Read a label or instance map image (8/16/32-bit gray or palette PNG; palette images give their
    palette indices) as int64 ``(H, W)`` raw values.

    RGB images are rejected: a label map must store one id per pixel."""
    path = check_readable_file(path)
    try:
        with Image.open(path) as image:
            pixels = np.array(image)  # palette images give their indices, 16-bit images their raw values
    except Exception as error:  # Pillow raises many types for unreadable data
        raise InputError(f"{path}: not a readable label image ({type(error).__name__}: {error})") from None
    if pixels.ndim == 3 and pixels.shape[2] in (3, 4):
        if (pixels[..., :3] == pixels[..., :1]).all():  # gray stored as RGB
            pixels = pixels[..., 0]
        else:
            raise InputError(f"{path}: label image must have one channel of ids, got a colour image")
    if pixels.ndim != 2:
        raise InputError(f"{path}: label image must be (H, W), got shape {pixels.shape}")
    return pixels.astype(np.int64)


def write_image(path: Union[str, os.PathLike], image: Union[np.ndarray, torch.Tensor]) -> Path:
    """Write a uint8 ``(H, W, C)`` array or a float ``(C, H, W)`` tensor in [0, 1] atomically."""
    path = Path(path)
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        raise InputError(f"{path}: unsupported image suffix; use one of {', '.join(IMAGE_SUFFIXES)}")
    pixels = to_uint8_frame(image, str(path))
    with atomic_file(path) as temp:
        iio.imwrite(temp, pixels, extension=path.suffix.lower())
    return path


def natural_key(name: str) -> list:
    """Sort key that orders ``frame2`` before ``frame10``."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


def list_frame_files(folder: Union[str, os.PathLike]) -> list[Path]:
    """Image files directly in ``folder``, in natural order. Raises if there are none."""
    folder = Path(folder)
    if not folder.exists():
        raise FileNotFoundError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder")
    files = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
             and not p.name.startswith(".")]
    if not files:
        raise InputError(f"{folder}: folder contains no frame images ({', '.join(IMAGE_SUFFIXES)})")
    return sorted(files, key=lambda p: natural_key(p.name))


class FrameFolderReader:
    """A folder of frame images read like a video: ``len``, iteration, :meth:`read` and ``info``.

    ``fps``: the rate to report (a folder does not store one). Every frame must have the first frame's size.
    """

    def __init__(self, folder: Union[str, os.PathLike], fps: float = 25.0) -> None:
        self.path = Path(folder)
        self.files = list_frame_files(self.path)
        self.fps = float(fps)
        first = read_image(self.files[0])
        self.height, self.width = first.shape[:2]
        self.has_audio = False

    def __len__(self) -> int:
        return len(self.files)

    @property
    def info(self) -> VideoInfo:
        """Size, rate and length of the folder."""
        return VideoInfo(self.path, self.width, self.height, self.fps, len(self), False)

    def __iter__(self) -> Iterator[np.ndarray]:
        for file in self.files:
            yield self._load(file)

    def read(self, indices: Sequence[int]) -> list[np.ndarray]:
        """Frames at ``indices``; only those files are decoded."""
        frames = []
        for index in indices:
            if not -len(self.files) <= int(index) < len(self.files):
                raise IndexError(f"{self.path}: frame {index} requested but the folder has {len(self.files)} frames")
            frames.append(self._load(self.files[int(index)]))
        return frames

    def _load(self, file: Path) -> np.ndarray:
        frame = read_image(file)
        if frame.shape[:2] != (self.height, self.width):
            raise InputError(
                f"{file}: frame is {frame.shape[1]}x{frame.shape[0]}, the folder's first frame "
                f"{self.files[0].name} is {self.width}x{self.height}"
            )
        return frame


def write_frame_folder(
    folder: Union[str, os.PathLike],
    frames: Iterable[Union[np.ndarray, torch.Tensor]],
    suffix: str = ".png",
    name_format: str = "{:06d}",
) -> Path:
    """Write frames as ``folder/000000.png, ...``. The folder appears only when every frame is written."""
    if suffix.lower() not in IMAGE_SUFFIXES:
        raise InputError(f"{folder}: unsupported frame suffix {suffix!r}; use one of {', '.join(IMAGE_SUFFIXES)}")
    count = 0
    with atomic_folder(folder) as temp:
        for index, frame in enumerate(frames):
            pixels = to_uint8_frame(frame, f"frame {index} for {folder}")
            iio.imwrite(temp / (name_format.format(index) + suffix), pixels, extension=suffix.lower())
            count += 1
        if count == 0:
            raise InputError(f"{folder}: no frames to write")
    return Path(folder)
