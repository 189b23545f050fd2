"""Small media files made with the bundled ffmpeg."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from motionkit.io.ffmpeg import ffmpeg_exe


def run_ffmpeg_to(path: Path, *args: str) -> Path:
    """Run ffmpeg with lavfi sources to create ``path``."""
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", *args, str(path)], check=True)
    return path


@pytest.fixture(scope="session")
def make_media():
    """``make_media(path, *ffmpeg_args) -> path``."""
    return run_ffmpeg_to


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def video_with_audio(media_dir: Path) -> Path:
    """2 s, 10 fps, 64x48 test pattern with a 440 Hz sine track."""
    return run_ffmpeg_to(
        media_dir / "with_audio.mp4",
        "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=8000",
        "-t", "2", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
    )


@pytest.fixture(scope="session")
def long_video(media_dir: Path) -> Path:
    """5 s at 10 fps (50 frames), moov atom first so truncation keeps a readable header."""
    return run_ffmpeg_to(
        media_dir / "long.mp4", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10", "-t", "5",
        "-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags", "+faststart",
    )
