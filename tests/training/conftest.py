"""Fixtures for engine tests: the tiny plugin registered per test and config-file writing."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

from motionkit.testing import registry  # noqa: F401  (fixture)

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tiny_plugin  # noqa: E402

RUNNER = Path(__file__).resolve().parent / "run_tiny.py"


@pytest.fixture
def tiny(registry):  # noqa: F811
    """The registry with the tiny method and dataset plugin added."""
    registry.add_plugin(tiny_plugin.TinyPlugin(), "tiny-plugin")
    return registry


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[..., Path]:
    """``write_config(train={...}, model={...}, data={...}) -> path`` of a tiny-method YAML config."""

    def write(name: str = "tiny.yaml", *, train: dict[str, Any] | None = None, model: dict[str, Any] | None = None,
              data: dict[str, Any] | None = None) -> Path:
        config = {
            "method": "tiny",
            "model": model or {},
            "data": {"name": "tiny-images", "params": data or {}},
            "train": {"steps": 6, "batch_size": 4, "log_every": 1, "tensorboard": False, **(train or {})},
        }
        path = tmp_path / name
        path.write_text(yaml.safe_dump(config))
        return path

    return write


def run_subprocess(*args: str, env: dict[str, str] | None = None, check: bool = True,
                   timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``run_tiny.py ARGS`` (the motionkit CLI with the tiny plugin) in a fresh Python process."""
    full_env = {**os.environ, **(env or {})}
    result = subprocess.run([sys.executable, str(RUNNER), *args], env=full_env, capture_output=True, text=True,
                            timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"run_tiny.py {' '.join(args)} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return result
