"""Helpers for testing plugins: opt in with ``pytest_plugins = ["motionkit.testing"]`` in a conftest.

* ``registry`` fixture: a fresh registry holding only motionkit's built-ins (no entry points), installed
  as the process-wide registry for the test; ``registry.add_plugin(obj, name)`` registers a throwaway
  plugin for that test only.
* :func:`check_component` / :func:`check_plugin`: conformance checks (config validates, JSON schema builds,
  the component builds on CPU, a tiny forward pass meets its interface, ``state_dict`` round-trips).
"""
from __future__ import annotations

from typing import Any, Callable, Iterator, Optional

import pytest
import torch

from .interfaces import (
    ConditionExtractor,
    Dataset,
    Discriminator,
    FlowEstimator,
    MotionRepresentation,
    ScaleOutput,
)
from .plugins import PluginLoader, canonical_name, get_registry, load_plugins, set_registry
from .registry import PluginInfo, Registry


class TestRegistry(Registry):
    """A registry that can take throwaway plugins."""

    __test__ = False  # not a pytest test class

    def add_plugin(self, plugin: Any, name: str, *, strict: bool = True) -> PluginInfo:
        """Register ``plugin`` (an object with hook implementations) under ``name``."""
        return PluginLoader(self, strict=strict).add(plugin, name)


def fresh_registry() -> TestRegistry:
    """A registry with motionkit's built-ins only."""
    return load_plugins(TestRegistry(), entry_points_=False, strict=True)


@pytest.fixture
def registry() -> Iterator[TestRegistry]:
    """A fresh built-ins-only registry installed as the default for the duration of one test."""
    reg = fresh_registry()
    previous = set_registry(reg)
    try:
        yield reg
    finally:
        set_registry(previous)


def _tiny_inputs(size: int = 64) -> torch.Tensor:
    torch.manual_seed(0)
    return torch.rand(1, 3, size, size)


def check_component(cls: type, params: Optional[dict[str, Any]] = None,
                    forward: Optional[Callable[[Any], Any]] = None) -> Any:
    """Check that ``cls`` builds on CPU from its default (or given) config and meets its interface.

    :param forward: a callable running a tiny forward pass on the built component; when ``None``, a
        default pass is run for kinds with a fixed signature (flow, condition, discriminator,
        representation). Returns the built component.
    """
    params = params or {}
    config = cls.build_config(params)
    cls.Config.model_json_schema()
    component = cls(config)
    if isinstance(component, torch.nn.Module):
        state = component.state_dict()
        clone = cls(cls.build_config(params))
        clone.load_state_dict(state, strict=True)
        assert all(t.device.type == "cpu" for t in state.values()), f"{cls.__name__} allocated off the CPU"
    if isinstance(component, Dataset):
        item = component[0]
        assert isinstance(item, dict) and all(isinstance(v, torch.Tensor) for v in item.values()), (
            f"{cls.__name__}[0] must be a dict of tensors"
        )
        return component
    if forward is not None:
        forward(component)
        return component
    x = _tiny_inputs()
    with torch.no_grad():
        if isinstance(component, FlowEstimator):
            flow = component(x, x)
            assert flow.shape == (1, 2, 64, 64), f"{cls.__name__} flow shape {tuple(flow.shape)}"
        elif isinstance(component, ConditionExtractor):
            out = component(x)
            assert out.dim() == 4 and out.shape[-2:] == x.shape[-2:], f"{cls.__name__} output {tuple(out.shape)}"
        elif isinstance(component, Discriminator):
            out = component(x)
            assert isinstance(out, list) and all(isinstance(s, ScaleOutput) for s in out)
        elif isinstance(component, MotionRepresentation):
            component(x)
    return component


def check_plugin(dist_name: str, forwards: Optional[dict[str, Callable[[Any], Any]]] = None) -> PluginInfo:
    """Check that an installed plugin loaded without error and that each of its components conforms.

    :param forwards: ``{"kind:name": callable}`` custom forward checks for components whose signature the
        default checks do not know (generators, losses, methods).
    """
    registry = get_registry()
    info = registry.plugins.get(canonical_name(dist_name))
    assert info is not None, f"plugin {dist_name} is not installed (entry point group 'motionkit')"
    assert info.status == "ok", f"plugin {dist_name} failed to load: {info.error}"
    forwards = forwards or {}
    for item in info.components:
        kind, name = item.split(":", 1)
        cls = registry.get(kind, name)
        if kind == "method" and item not in forwards:
            cls.Config.model_json_schema()
            continue
        check_component(cls, forward=forwards.get(item))
    return info
