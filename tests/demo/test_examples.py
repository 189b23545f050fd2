"""Every script in examples/ runs in --quick mode and writes its video."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from motionkit.data import ScenesDataset
from motionkit.io import write_video

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"
#: script -> (extra arguments, video it writes); "{video}" is a small clip made by the test
EXAMPLES = {
    "first_order_sprites.py": ((), "animation.mp4"),
    "vid2vid_scenes.py": ((), "synthesis.mp4"),
    "keypoints_drive_vid2vid.py": ((), "animation.mp4"),
    "edges_to_video.py": (("--video", "{video}"), "edges_to_video.mp4"),
}


@pytest.fixture(scope="module")
def user_video(tmp_path_factory) -> Path:
    """A 16-frame 96x128 street clip standing in for the user's own footage (not square, on purpose)."""
    frames = ScenesDataset(height=96, width=128, num_frames=16, length=1, seed=3)[0]["frames"]
    return write_video(tmp_path_factory.mktemp("user") / "clip.mp4", frames, fps=8)


def test_every_example_is_tested_and_documented():
    scripts = {p.name for p in EXAMPLES_DIR.glob("*.py")}
    assert scripts == set(EXAMPLES)
    readme = (EXAMPLES_DIR / "README.md").read_text()
    for name in scripts:
        assert f"`{name}`" in readme, f"{name} is missing from examples/README.md"


@pytest.mark.parametrize("script", sorted(EXAMPLES))
def test_example_runs_in_quick_mode(script, tmp_path, user_video):
    extra, video = EXAMPLES[script]
    args = [a.format(video=user_video) for a in extra]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}  # tiny tensors: one thread avoids thread-pool overhead
    done = subprocess.run([sys.executable, str(EXAMPLES_DIR / script), "--quick", "--out", str(tmp_path), *args],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / video).stat().st_size > 0
    assert "wrote" in done.stdout
