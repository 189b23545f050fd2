"""Fixtures for the core tests: throwaway plugin distributions installed for one test."""
from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Callable

import pytest

import motionkit as mk

from motionkit.testing import registry  # noqa: F401  (fixture: a fresh registry per test)


@pytest.fixture
def install_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str, str], None]:
    """``install_plugin(dist_name, module_source)``: a real distribution (dist-info with an entry point in
    the ``motionkit`` group) on ``sys.path`` for this test, found by ``importlib.metadata`` like pip's."""
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    created: list[str] = []

    def install(dist_name: str, source: str, version: str = "0.3.1") -> None:
        module = dist_name.replace("-", "_")
        (site / f"{module}.py").write_text(textwrap.dedent(source))
        info = site / f"{module}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist_name}\nVersion: {version}\n")
        (info / "entry_points.txt").write_text(f"[motionkit]\n{module} = {module}\n")
        created.append(module)

    yield install
    for module in created:
        sys.modules.pop(module, None)


@pytest.fixture
def load_only(monkeypatch: pytest.MonkeyPatch):
    """Load the registry restricted to the given distributions (plus built-ins)."""

    def load(*names: str, strict: bool = False) -> mk.registry.Registry:
        return mk.load_plugins(only=names, strict=strict)

    return load


@pytest.fixture
def good_plugin() -> str:
    """Source of a plugin module registering one loss, ``test.tiny_l1``."""
    return GOOD_PLUGIN


GOOD_PLUGIN = '''
import motionkit as mk
import torch

class TinyLoss(mk.Loss):
    """Mean absolute difference."""
    name = "test.tiny_l1"
    def forward(self, a, b):
        return (a - b).abs().mean()

@mk.hookimpl
def register_components(register):
    register(TinyLoss)
'''
