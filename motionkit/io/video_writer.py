"""Video writer: MP4 (H.264, yuv420p) or GIF at a given fps, written atomically, optional audio."""
from __future__ import annotations

import os
import subprocess
import tempfile
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import IO, Iterable, Optional, Union

import numpy as np
import torch

from ..errors import InputError
from .atomic import AtomicFile
from .audio import mux_audio
from .convert import to_uint8_frame
from .ffmpeg import ffmpeg_exe, last_lines

#: suffixes written with H.264 in yuv420p
H264_SUFFIXES = (".mp4", ".mov", ".mkv")
GIF_SUFFIX = ".gif"


class VideoWriter:
    """Write frames to an MP4/MOV/MKV (H.264, yuv420p) or GIF file.

    Frames are uint8 ``(H, W, C)`` arrays or float ``(C, H, W)`` tensors in ``[0, 1]`` (gray and RGBA are
    converted to RGB). All frames must have the size of the first one. H.264 in yuv420p needs even sizes:
    an odd height or width is padded by repeating the last row or column. Frames stream to ffmpeg (constant
    memory). The file appears under ``path`` only when the writer closes without error; if the ``with``
    block raises, nothing is left under ``path``. ``audio_from``: a media file whose first audio track is
    copied into the output (MP4/MOV/MKV only).

    ``quality``: H.264 constant rate factor (0 = lossless, 51 = worst; 18 is visually lossless).

    Example::

        with VideoWriter("out.mp4", fps=reader.fps, audio_from="in.mp4") as writer:
            for frame in frames:
                writer.write(frame)
    """

    def __init__(
        self,
        path: Union[str, os.PathLike],
        fps: float,
        *,
        quality: int = 18,
        audio_from: Optional[Union[str, os.PathLike]] = None,
    ) -> None:
        self.path = Path(path)
        suffix = self.path.suffix.lower()
        if suffix not in H264_SUFFIXES + (GIF_SUFFIX,):
            raise InputError(f"{self.path}: unsupported video suffix {suffix!r}; use one of "
                             f"{', '.join(H264_SUFFIXES + (GIF_SUFFIX,))}")
        if not (fps > 0 and np.isfinite(fps)):
            raise InputError(f"{self.path}: fps must be a positive number, got {fps}")
        if not 0 <= quality <= 51:
            raise InputError(f"{self.path}: quality (CRF) must be in [0, 51], got {quality}")
        if audio_from is not None and suffix == GIF_SUFFIX:
            raise InputError(f"{self.path}: GIF files cannot carry audio (audio_from={audio_from})")
        self.fps = fps
        self.quality = quality
        self.audio_from = Path(audio_from) if audio_from is not None else None
        self.frames_written = 0
        self._size: Optional[tuple[int, int]] = None
        self._process: Optional[subprocess.Popen] = None
        self._log: Optional[IO[bytes]] = None
        self._target: Optional[AtomicFile] = None
        self._closed = False

    def __enter__(self) -> "VideoWriter":
        return self

    def __exit__(
        self, exc_type: Optional[type], exc: Optional[BaseException], tb: Optional[TracebackType]
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def write(self, frame: Union[np.ndarray, torch.Tensor]) -> None:
        """Append one frame (uint8 ``(H, W, C)`` or float ``(C, H, W)`` in [0, 1])."""
        if self._closed:
            raise InputError(f"{self.path}: writer is already closed")
        pixels = to_uint8_frame(frame, f"frame {self.frames_written} for {self.path}")
        height, width = pixels.shape[:2]
        if self._size is None:
            self._start(width, height)
        elif (width, height) != self._size:
            raise InputError(
                f"{self.path}: frame {self.frames_written} is {width}x{height}, earlier frames are "
                f"{self._size[0]}x{self._size[1]}"
            )
        if self.path.suffix.lower() != GIF_SUFFIX:
            pixels = _pad_to_even(pixels)
        assert self._process is not None and self._process.stdin is not None
        try:
            self._process.stdin.write(pixels.tobytes())
        except BrokenPipeError:
            raise InputError(f"{self.path}: ffmpeg stopped accepting frames: {self._log_text()}") from None
        self.frames_written += 1

    def write_all(self, frames: Iterable[Union[np.ndarray, torch.Tensor]]) -> None:
        """Append every frame of an iterable (e.g. a ``VideoReader`` or a ``(T, C, H, W)`` tensor)."""
        for frame in frames:
            self.write(frame)

    def close(self) -> Path:
        """Finish encoding, add audio if requested, and move the file to ``path``."""
        if self._closed:
            return self.path
        if self.frames_written == 0:
            self.abort()
            raise InputError(f"{self.path}: no frames were written")
        try:
            assert self._process is not None and self._process.stdin is not None
            self._process.stdin.close()
            if self._process.wait() != 0:
                raise InputError(f"{self.path}: ffmpeg failed: {self._log_text()}")
            assert self._target is not None
            if self.audio_from is not None:
                mux_audio(self._target.temp, self.audio_from, self._target.temp)
            self._target.commit()
        except BaseException:
            self.abort()
            raise
        self._closed = True
        self._close_log()
        return self.path

    def abort(self) -> None:
        """Stop without producing a file; anything written so far is deleted."""
        if self._closed:
            return
        self._closed = True
        if self._process is not None:
            if self._process.poll() is None:
                self._process.kill()
            if self._process.stdin is not None:
                try:
                    self._process.stdin.close()
                except BrokenPipeError:
                    pass
            self._process.wait()
        self._close_log()
        if self._target is not None:
            self._target.discard()

    def _start(self, width: int, height: int) -> None:
        self._size = (width, height)
        self._target = AtomicFile(self.path)
        gif = self.path.suffix.lower() == GIF_SUFFIX
        out_w, out_h = (width, height) if gif else (width + width % 2, height + height % 2)
        rate = str(Fraction(self.fps).limit_denominator(100000))
        cmd = [
            ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{out_w}x{out_h}", "-r", rate, "-i", "-", "-an",
        ]
        if gif:
            cmd += ["-filter_complex", "split[a][b];[a]palettegen=stats_mode=full[p];[b][p]paletteuse", "-loop", "0"]
        else:
            cmd += ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", str(self.quality),
                    "-movflags", "+faststart"]
        cmd.append(str(self._target.temp))
        self._log = tempfile.TemporaryFile()
        self._process = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._log)

    def _log_text(self) -> str:
        if self._log is None:
            return "no message"
        self._log.seek(0)
        return last_lines(self._log.read().decode(errors="replace"))

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None


def _pad_to_even(pixels: np.ndarray) -> np.ndarray:
    height, width = pixels.shape[:2]
    if height % 2 == 0 and width % 2 == 0:
        return pixels
    return np.pad(pixels, ((0, height % 2), (0, width % 2), (0, 0)), mode="edge")


def write_video(
    path: Union[str, os.PathLike],
    frames: Iterable[Union[np.ndarray, torch.Tensor]],
    fps: float,
    *,
    quality: int = 18,
    audio_from: Optional[Union[str, os.PathLike]] = None,
) -> Path:
    """Write all ``frames`` (an iterable of frames, or a ``(T, C, H, W)`` float tensor) to ``path``."""
    with VideoWriter(path, fps, quality=quality, audio_from=audio_from) as writer:
        writer.write_all(frames)
    return writer.path
