"""Streaming video reader: frames are decoded one at a time by an ffmpeg subprocess (constant memory)."""
from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterator, Optional, Sequence, Union

import numpy as np

from ..errors import InputError
from .ffmpeg import StreamInfo, count_frames, ffmpeg_exe, last_lines, probe


#: :meth:`VideoReader.read` seeks instead of decoding from the start when the first wanted frame is this
#: many seconds in (assumes a constant frame rate, as ffmpeg's fps report does)
SEEK_AFTER_SECONDS = 2.0


@dataclass(frozen=True)
class VideoInfo:
    """Size, rate and length of a frame source.

    width/height in pixels; fps in frames per second; num_frames exact; has_audio: an audio track exists.
    """

    path: Path
    width: int
    height: int
    fps: float
    num_frames: int
    has_audio: bool


def check_readable_file(path: Union[str, os.PathLike]) -> Path:
    """Return ``path`` as a Path, raising ``FileNotFoundError``/``InputError`` naming it if it is unusable."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if not path.is_file():
        raise InputError(f"{path}: not a file")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: file is empty")
    return path


class VideoReader:
    """Reads a video file frame by frame as uint8 RGB ``(H, W, 3)`` arrays.

    Iterating starts one ffmpeg process that pipes raw frames; only one frame is held at a time, so
    memory does not grow with the video's length. Gray, RGBA and YUV sources are converted to RGB by
    ffmpeg; rotation metadata is applied. A corrupt or truncated stream raises ``InputError`` naming the
    file once the decodable frames have been yielded; a stream without frames raises at the start.

    Example::

        reader = VideoReader("clip.mp4")
        reader.fps, reader.width, reader.height, len(reader)
        for frame in reader: ...
    """

    def __init__(self, path: Union[str, os.PathLike]) -> None:
        self.path = check_readable_file(path)
        self._stream: StreamInfo = probe(self.path)
        self._num_frames: Optional[int] = None

    @property
    def width(self) -> int:
        """Frame width in pixels."""
        return self._stream.width

    @property
    def height(self) -> int:
        """Frame height in pixels."""
        return self._stream.height

    @property
    def fps(self) -> float:
        """Frames per second as stored in the file (0.0 if the file does not say)."""
        return self._stream.fps

    @property
    def has_audio(self) -> bool:
        """Whether the file has an audio track."""
        return self._stream.has_audio

    def __len__(self) -> int:
        """Exact frame count (counted once by decoding, then cached)."""
        if self._num_frames is None:
            self._num_frames = count_frames(self.path)
        return self._num_frames

    @property
    def info(self) -> VideoInfo:
        """All of the above at once."""
        return VideoInfo(self.path, self.width, self.height, self.fps, len(self), self.has_audio)

    def __iter__(self) -> Iterator[np.ndarray]:
        return self._decode()

    def read(self, indices: Sequence[int]) -> list[np.ndarray]:
        """Frames at ``indices`` (any order, repeats allowed). Decoding starts at the smallest index (by
        seeking when it is more than ``SEEK_AFTER_SECONDS`` in), stops after the largest, and keeps only the
        requested frames. Raises ``IndexError`` naming the file if an index is past the end."""
        if len(indices) == 0:
            return []
        wanted = sorted(set(int(i) for i in indices))
        if wanted[0] < 0:
            raise IndexError(f"{self.path}: negative frame index {wanted[0]}")
        wanted_set = set(wanted)
        found: dict[int, np.ndarray] = {}
        last = wanted[-1]
        start = wanted[0] if self.fps > 0 and wanted[0] >= SEEK_AFTER_SECONDS * self.fps else 0
        decoded = start
        for index, frame in enumerate(self._decode(start), start=start):
            decoded = index + 1
            if index in wanted_set:
                found[index] = frame
            if index >= last:
                break
        if last not in found:
            raise IndexError(f"{self.path}: frame {last} requested but the video has {decoded} frames")
        return [found[int(i)] for i in indices]

    def _decode(self, start: int = 0) -> Iterator[np.ndarray]:
        """Frames from index ``start`` on. A positive start seeks (ffmpeg decodes from the keyframe before
        it and drops frames whose timestamp is earlier than half a frame before ``start / fps``)."""
        width, height = self.width, self.height
        frame_bytes = width * height * 3
        seek = ["-ss", f"{(start - 0.5) / self.fps:.6f}"] if start > 0 else []
        cmd = [
            ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", *seek, "-i", str(self.path),
            "-map", "0:v:0", "-f", "rawvideo", "-pix_fmt", "rgb24", "-",
        ]
        with tempfile.TemporaryFile() as log:
            process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL)
            count = 0
            finished = False
            try:
                assert process.stdout is not None
                while True:
                    buffer = bytearray(frame_bytes)
                    filled = _read_into(process.stdout, memoryview(buffer))
                    if filled == 0:
                        break
                    if filled < frame_bytes:
                        raise InputError(f"{self.path}: truncated frame {count} ({filled} of {frame_bytes} bytes)")
                    yield np.frombuffer(buffer, np.uint8).reshape(height, width, 3)
                    count += 1
                finished = True
            finally:
                if process.poll() is None:
                    process.kill()
                if process.stdout is not None:
                    process.stdout.close()
                returncode = process.wait()
            if finished:
                log.seek(0)
                message = log.read().decode(errors="replace")
                if count == 0 and start == 0:
                    raise InputError(f"{self.path}: video contains no decodable frames ({last_lines(message, 1)})")
                if returncode != 0 or message.strip():
                    raise InputError(
                        f"{self.path}: video is corrupt or truncated; decoding stopped with errors after "
                        f"{count} frames: {last_lines(message)}"
                    )


def _read_into(stream: IO[bytes], view: memoryview) -> int:
    """Fill ``view`` from ``stream`` until full or end of stream; return the number of bytes read."""
    filled = 0
    while filled < len(view):
        got = stream.readinto(view[filled:])  # type: ignore[attr-defined]
        if not got:
            break
        filled += got
    return filled
