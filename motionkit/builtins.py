"""Core components, registered through the same hook and loader as every plugin.

Each core subpackage lists its registrable classes in ``COMPONENTS``.
"""
from __future__ import annotations

import importlib
from typing import Callable

from .hookspecs import hookimpl

#: core subpackages whose ``COMPONENTS`` are registered
CORE_PACKAGES = ("ops", "nn", "losses", "data", "conditions", "metrics")


@hookimpl
def register_components(register: Callable[..., None]) -> None:
    for package in CORE_PACKAGES:
        module = importlib.import_module(f"motionkit.{package}")
        for cls in module.COMPONENTS:
            register(cls)
