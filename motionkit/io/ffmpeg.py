"""Running the ffmpeg executable bundled with imageio-ffmpeg and reading its stream descriptions."""
from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

import imageio_ffmpeg

from ..errors import InputError

_VIDEO_STREAM = re.compile(r"Stream #\d+:\d+.*?: Video: (?P<codec>[^\s,]+).*?, (?P<w>\d{1,6})x(?P<h>\d{1,6})")
_FPS = re.compile(r"(?P<fps>\d+(?:\.\d+)?)(?P<k>k?) (?:fps|tbr)")
_DURATION = re.compile(r"Duration: (?P<h>\d+):(?P<m>\d+):(?P<s>\d+(?:\.\d+)?)")
_ROTATION = re.compile(r"rotation of (?P<deg>-?\d+(?:\.\d+)?) degrees")


def ffmpeg_exe() -> str:
    """Path of the ffmpeg executable shipped with imageio-ffmpeg."""
    return imageio_ffmpeg.get_ffmpeg_exe()


def run_ffmpeg(args: Sequence[str], what: str) -> str:
    """Run ``ffmpeg -hide_banner -nostdin -v error <args>``; return stderr; raise ``InputError`` naming
    ``what`` (usually the file) with ffmpeg's message when it fails."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", *args]
    result = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = result.stderr.decode(errors="replace")
    if result.returncode != 0:
        raise InputError(f"{what}: ffmpeg failed: {last_lines(stderr)}")
    return stderr


def last_lines(text: str, count: int = 3) -> str:
    """The last ``count`` non-empty lines of ffmpeg's output, joined with ' | '."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " | ".join(lines[-count:]) or "no message"


@dataclass(frozen=True)
class StreamInfo:
    """What ffmpeg reports about a media file before decoding it.

    width/height: displayed frame size in pixels (after rotation metadata); fps: frames per second
    (0 when unknown); duration: seconds (0 when unknown); has_audio: whether an audio stream exists.
    """

    width: int
    height: int
    fps: float
    duration: float
    has_audio: bool
    codec: str


def probe(path: Path) -> StreamInfo:
    """Describe the first video stream of ``path``; raise ``InputError`` naming the file if there is none."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path)]
    result = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    text = result.stderr.decode(errors="replace")
    if "Input #0" not in text:
        raise InputError(f"{path}: not a readable video ({last_lines(text, 1)})")
    return parse_probe_output(text, path)


def parse_probe_output(text: str, path: Path) -> StreamInfo:
    """Parse the stream description ffmpeg prints for ``-i path``."""
    lines = text.splitlines()
    video_lines = [i for i, line in enumerate(lines) if _VIDEO_STREAM.search(line)]
    if not video_lines:
        raise InputError(f"{path}: file has no video stream")
    index = video_lines[0]
    line = lines[index]
    match = _VIDEO_STREAM.search(line)
    assert match is not None
    width, height = int(match["w"]), int(match["h"])
    fps = 0.0
    for fps_match in _FPS.finditer(line):
        fps = float(fps_match["fps"]) * (1000.0 if fps_match["k"] else 1.0)
        break
    # rotation metadata belongs to the stream: it is printed in the lines right after the stream line
    for follow in lines[index + 1 : index + 12]:
        if follow.lstrip().startswith("Stream #"):
            break
        rotation = _ROTATION.search(follow)
        if rotation and round(abs(float(rotation["deg"]))) % 180 == 90:
            width, height = height, width
    duration = 0.0
    duration_match = _DURATION.search(text)
    if duration_match:
        duration = int(duration_match["h"]) * 3600 + int(duration_match["m"]) * 60 + float(duration_match["s"])
    has_audio = any(" Audio: " in l and l.lstrip().startswith("Stream #") for l in lines)
    if width <= 0 or height <= 0:
        raise InputError(f"{path}: video stream reports an empty frame size {width}x{height}")
    return StreamInfo(width, height, fps, duration, has_audio, match["codec"])


def count_frames(path: Path) -> int:
    """Exact number of frames of the first video stream (decodes the stream; no frames are kept)."""
    stderr = run_ffmpeg(["-stats", "-i", str(path), "-map", "0:v:0", "-f", "null", "-"], str(path))
    found: Optional[int] = None
    for match in re.finditer(r"frame=\s*(\d+)", stderr):
        found = int(match.group(1))
    if found is None:
        raise InputError(f"{path}: could not count frames ({last_lines(stderr, 1)})")
    return found
