"""motionkit plugin: Video-to-Video Synthesis (Wang et al., NeurIPS 2018).

Registers, through the ``motionkit`` entry point only:

* generator ``vid2vid.generator`` — the official coarse-to-fine sequential generator (loads the official
  per-scale checkpoints);

Import is cheap: nothing is built or loaded at registration.
"""
from __future__ import annotations

from typing import Callable

from motionkit.hookspecs import hookimpl

from .sequence_generator import Vid2VidGenerator


@hookimpl
def register_components(register: Callable[..., None]) -> None:
    """Register vid2vid's components."""
    register(Vid2VidGenerator)
