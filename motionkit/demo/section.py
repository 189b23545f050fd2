"""A gallery section contributed by a plugin."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class DemoSection:
    """One section of the demo gallery.

    name: unique id (usually the method name, e.g. ``"first-order"``); ``motionkit demo --methods`` selects by it.
    title: heading shown in the gallery.
    run: ``run(context) -> result``: trains/runs briefly on built-in data within ``context``'s time budget and
        returns what the gallery shows (see :mod:`motionkit.demo`).
    share: relative share of the demo's total time budget.
    """

    name: str
    title: str
    run: Callable[[Any], Any]
    share: float = 1.0
