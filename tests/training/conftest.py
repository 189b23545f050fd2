"""Fixtures for engine tests: the tiny plugin registered per test and config-file writing."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

from motionkit.testing import registry  # noqa: F401  (fixture)

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tiny_plugin, training_helpers
import tiny_plugin  # noqa: E402


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
