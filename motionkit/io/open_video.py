"""Open any frame source (video file, GIF or folder of frames) through one interface."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator, Protocol, Sequence, Union

import numpy as np

from .frames import FrameFolderReader
from .video_reader import VideoInfo, VideoReader

#: file suffixes treated as videos when scanning folders (anything ffmpeg decodes can be opened directly)
VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".avi", ".webm", ".gif")


class FrameSource(Protocol):
    """What :func:`open_video` returns: uint8 RGB ``(H, W, 3)`` frames, streamed."""

    path: Path
    width: int
    height: int
    fps: float
    has_audio: bool

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[np.ndarray]: ...

    def read(self, indices: Sequence[int]) -> list[np.ndarray]: ...

    @property
    def info(self) -> VideoInfo: ...


def open_video(path: Union[str, os.PathLike], folder_fps: float = 25.0) -> FrameSource:
    """A :class:`FrameFolderReader` for a folder (reporting ``folder_fps``), else a
    :class:`VideoReader` (whose fps comes from the file)."""
    path = Path(path)
    if path.is_dir():
        return FrameFolderReader(path, fps=folder_fps)
    return VideoReader(path)
