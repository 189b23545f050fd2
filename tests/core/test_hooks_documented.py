"""Every hook is documented where it is declared, in docs/plugins.md, and has a test (as datasette does)."""
from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from motionkit import hookspecs

ROOT = Path(__file__).resolve().parents[2]
HOOKS = [name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction) if hasattr(fn, "motionkit_spec")]


def test_hooks_found():
    assert HOOKS == ["register_commands", "register_components", "register_demo_sections"]


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_documented(hook):
    fn = getattr(hookspecs, hook)
    assert ":param register:" in (fn.__doc__ or ""), f"{hook} needs a docstring with ':param register:'"
    signature = f"{hook}({', '.join(inspect.signature(fn).parameters)})"
    assert f"### `{signature}`" in (ROOT / "docs" / "plugins.md").read_text(), f"docs/plugins.md lacks {signature}"


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_has_a_test(hook):
    tests = "\n".join(p.read_text() for p in (ROOT / "tests").rglob("test_*.py"))
    assert f"def test_hook_{hook}(" in tests, f"add a test named test_hook_{hook}"
