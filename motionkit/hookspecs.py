"""The hooks a motionkit plugin can implement.

A plugin is a module (or object) listed under the ``motionkit`` entry-point group and decorated with
:data:`hookimpl`. Each hook receives a ``register`` callable; a plugin calls it once per thing it adds.
Nothing is built, downloaded or moved to a GPU at registration time: plugins register classes and small
descriptors. The built-in plugins under ``plugins/`` use exactly these hooks, found the same way.
"""
from __future__ import annotations

from typing import Callable

from pluggy import HookimplMarker, HookspecMarker

hookspec = HookspecMarker("motionkit")
hookimpl = HookimplMarker("motionkit")


@hookspec
def register_components(register: Callable[..., None]) -> None:
    """Register component classes.

    :param register: ``register(cls, *, name=None)``. ``cls`` subclasses one of the interfaces in
        :mod:`motionkit.interfaces` (``MotionRepresentation``, ``Generator``, ``Discriminator``, ``Loss``,
        ``FlowEstimator``, ``ConditionExtractor``, ``Dataset`` or ``Method``); that base decides its kind.
        ``name`` overrides ``cls.name``. Names are unique per kind across all plugins: a second plugin
        registering a taken name fails to load (the first keeps it).

    Called once per plugin when plugins are loaded (lazily, on first use of the registry).
    """


@hookspec
def register_commands(register: Callable[..., None]) -> None:
    """Add command-line verbs.

    :param register: ``register(command)`` with a :class:`motionkit.commands.Command`. Commands with the
        same ``verb`` from several methods share one verb, selected by ``--method NAME`` (for example
        ``motionkit animate --method first-order``). A command with ``method=None`` owns its verb alone.

    Called once per plugin when plugins are loaded; ``Command.add_arguments`` runs only when the verb is
    used, so building the CLI stays cheap.
    """


@hookspec
def register_demo_sections(register: Callable[..., None]) -> None:
    """Contribute a section to the ``motionkit demo`` gallery.

    :param register: ``register(section)`` with a :class:`motionkit.demo.DemoSection`: a name, a title, a
        relative share of the time budget and a function that trains/runs briefly on built-in data and
        returns the media, metrics and plots to show.

    Called once per plugin when plugins are loaded; sections run only when the demo is run.
    """
