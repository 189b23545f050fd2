"""motionkit plugin: Video-to-Video Synthesis (Wang et al., NeurIPS 2018).

Registers, through the ``motionkit`` entry point only:

* generator ``vid2vid.generator`` — the official coarse-to-fine sequential generator (loads the official
  per-scale checkpoints);
* method ``vid2vid`` — training (image + video discriminators, flow losses, growing sequences) and
  official-checkpoint import; built-in configs under ``configs/``;
* command ``motionkit synthesize --method vid2vid`` (Python: :class:`Vid2VidSynthesizer`).

Import is cheap: nothing is built or loaded at registration.
"""
from __future__ import annotations

from typing import Callable

from motionkit.hookspecs import hookimpl

from .command import SYNTHESIZE
from .method import Vid2Vid
from .sequence_generator import Vid2VidGenerator
from .synthesizer import Vid2VidSynthesizer

__all__ = ["Vid2Vid", "Vid2VidGenerator", "Vid2VidSynthesizer"]


@hookimpl
def register_components(register: Callable[..., None]) -> None:
    """Register vid2vid's components."""
    register(Vid2VidGenerator)
    register(Vid2Vid)


@hookimpl
def register_commands(register: Callable[..., None]) -> None:
    """Register ``motionkit synthesize --method vid2vid``."""
    register(SYNTHESIZE)


@hookimpl
def register_demo_sections(register: Callable[..., None]) -> None:
    """Register the ``motionkit demo`` gallery section."""
    from .demo_section import SECTION

    register(SECTION)
