"""Fixtures for the demo gallery tests: the ``registry`` fixture and headless Chromium.

Helper modules of this folder (``demo_toy_plugin``, ``chromium_cdp``) are importable from the tests: pytest
runs with ``--import-mode=importlib``, which does not put test folders on ``sys.path``.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from motionkit.testing import registry  # noqa: F401 - the fixture

sys.path.insert(0, str(Path(__file__).parent))

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium, installed with apt-get when missing; skips only when installing fails."""
    if not CHROMIUM.exists() and shutil.which("apt-get"):
        env = {"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
        for command in (["apt-get", "update"], ["apt-get", "install", "-y", "--no-install-recommends", "chromium"]):
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
            if done.returncode != 0:
                pytest.skip(f"headless Chromium is not installed and `{' '.join(command)}` failed: "
                            f"{done.stderr.strip()[-300:]}")
    if not CHROMIUM.exists():
        pytest.skip(f"headless Chromium is not installed at {CHROMIUM} and apt-get is not available")
    return CHROMIUM
