"""Plugin discovery and loading.

Plugins are found through the ``motionkit`` entry-point group. Each is loaded on its own: a plugin that
fails to import, whose hook raises, or that registers something invalid or already taken is recorded as
failed (with its error) and skipped, and the others load normally.

Environment variables:

* ``MOTIONKIT_LOAD_PLUGINS``: comma-separated distribution names to load (empty: none). Unset: all.
* ``MOTIONKIT_STRICT_PLUGINS=1``: raise on the first failing plugin, with its traceback.
"""
from __future__ import annotations

import importlib
import importlib.metadata as metadata
import os
import re
import threading
import warnings
from typing import Any, Callable, Iterable, Optional

import pluggy

from . import hookspecs
from .errors import PluginError, PluginLoadWarning
from .registry import Entry, PluginInfo, Registry

ENTRY_POINT_GROUP = "motionkit"
#: core modules registered exactly like third-party plugins
DEFAULT_PLUGINS = ("motionkit.builtins",)
HOOK_NAMES = ("register_components", "register_commands", "register_demo_sections")

_lock = threading.RLock()
_default: Optional[Registry] = None


def canonical_name(name: str) -> str:
    """Distribution names compare case-insensitively with ``-``, ``_`` and ``.`` equivalent."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _env_selection() -> Optional[set[str]]:
    value = os.environ.get("MOTIONKIT_LOAD_PLUGINS")
    if value is None:
        return None
    return {canonical_name(v.strip()) for v in value.split(",") if v.strip()}


def _env_strict() -> bool:
    return os.environ.get("MOTIONKIT_STRICT_PLUGINS", "").strip().lower() in {"1", "true", "yes", "on"}


def new_plugin_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager("motionkit")
    pm.add_hookspecs(hookspecs)
    return pm


class PluginLoader:
    """Loads plugins into a :class:`Registry`, isolating failures per plugin."""

    def __init__(self, registry: Registry, *, strict: bool = False) -> None:
        self.registry = registry
        self.strict = strict
        self.pm = new_plugin_manager()

    def add(self, plugin: Any, name: str, version: str = "", *, builtin: bool = False) -> PluginInfo:
        """Register a plugin object (module or instance) and run its hooks; never raises unless strict."""
        info = PluginInfo(name=name, version=version, builtin=builtin)
        self.registry.plugins[name] = info
        try:
            self.pm.register(plugin, name=name)
        except Exception as exc:  # noqa: BLE001 - any plugin error is isolated, recorded and warned about
            return self._fail(info, exc, registered=False)
        try:
            self.pm.check_pending()
            self._run_hooks(plugin, info)
        except Exception as exc:  # noqa: BLE001
            return self._fail(info, exc, registered=True)
        return info

    def add_entry_point(self, ep: metadata.EntryPoint) -> PluginInfo:
        dist = ep.dist
        name = canonical_name(dist.name if dist is not None else ep.name)
        version = dist.version if dist is not None else ""
        try:
            module = ep.load()
        except Exception as exc:  # noqa: BLE001
            info = PluginInfo(name=name, version=version)
            self.registry.plugins[name] = info
            return self._fail(info, exc, registered=False)
        return self.add(module, name, version)

    def _run_hooks(self, plugin: Any, info: PluginInfo) -> None:
        staged: list[Entry] = []
        commands: list[Any] = []
        sections: list[Any] = []

        def register_component(cls: Any, *, name: Optional[str] = None) -> None:
            entry = self.registry.check_component(cls, name, info.name)
            if any((e.kind, e.name) == (entry.kind, entry.name) for e in staged):
                raise PluginError(f"plugin {info.name} registered {entry.kind} '{entry.name}' twice")
            staged.append(entry)

        def register_command(command: Any) -> None:
            from .commands import Command

            if not isinstance(command, Command):
                raise PluginError(f"plugin {info.name} registered {command!r}, which is not a Command")
            taken = [c for c in self.registry.commands + commands if c.verb == command.verb]
            if any(c.method == command.method or c.method is None or command.method is None for c in taken):
                raise PluginError(
                    f"plugin {info.name} registered command '{command.verb}'"
                    + (f" for method '{command.method}'" if command.method else "")
                    + ", which is already taken"
                )
            commands.append(command)

        def register_section(section: Any) -> None:
            from .demo.section import DemoSection

            if not isinstance(section, DemoSection):
                raise PluginError(f"plugin {info.name} registered {section!r}, which is not a DemoSection")
            if any(s.name == section.name for s in self.registry.demo_sections + sections):
                raise PluginError(f"plugin {info.name} registered demo section '{section.name}', already taken")
            sections.append(section)

        callbacks: dict[str, Callable[..., None]] = {
            "register_components": register_component,
            "register_commands": register_command,
            "register_demo_sections": register_section,
        }
        for hook_name, callback in callbacks.items():
            for impl in getattr(self.pm.hook, hook_name).get_hookimpls():
                if impl.plugin is plugin:
                    impl.function(**{arg: callback for arg in impl.argnames})
        # all-or-nothing: only a plugin whose hooks all succeeded contributes anything
        self.registry.add_entries(staged)
        self.registry.commands.extend(commands)
        self.registry.demo_sections.extend(sections)
        info.components = sorted(f"{e.kind}:{e.name}" for e in staged)
        info.commands = sorted(f"{c.verb}" + (f" --method {c.method}" if c.method else "") for c in commands)
        info.demo_sections = [s.name for s in sections]

    def _fail(self, info: PluginInfo, exc: BaseException, *, registered: bool) -> PluginInfo:
        if registered:
            plugin = self.pm.get_plugin(info.name)
            if plugin is not None:
                self.pm.unregister(plugin)
        info.status = "failed"
        info.error = f"{type(exc).__name__}: {exc}"
        if self.strict:
            raise PluginError(f"plugin {info.name} {info.version} failed to load: {info.error}") from exc
        warnings.warn(
            f"motionkit: skipped plugin '{info.name}' {info.version} ({info.error}). Other plugins loaded "
            "normally. Set MOTIONKIT_STRICT_PLUGINS=1 for the traceback, or MOTIONKIT_LOAD_PLUGINS=... to "
            "choose plugins.",
            PluginLoadWarning,
            stacklevel=3,
        )
        return info


def entry_points() -> Iterable[metadata.EntryPoint]:
    """Installed entry points of the ``motionkit`` group."""
    return metadata.entry_points(group=ENTRY_POINT_GROUP)


def load_plugins(
    registry: Optional[Registry] = None,
    *,
    only: Optional[Iterable[str]] = None,
    strict: Optional[bool] = None,
    entry_points_: bool = True,
) -> Registry:
    """Load the built-in module and the installed plugins into ``registry`` (a new one if ``None``).

    :param only: distribution names to load; defaults to ``MOTIONKIT_LOAD_PLUGINS`` (unset: all).
    :param strict: raise on the first failure; defaults to ``MOTIONKIT_STRICT_PLUGINS``.
    :param entry_points_: ``False`` loads only the built-ins (used by ``motionkit.testing``).
    """
    registry = registry if registry is not None else Registry()
    selection = {canonical_name(n) for n in only} if only is not None else _env_selection()
    loader = PluginLoader(registry, strict=_env_strict() if strict is None else strict)
    for module_name in DEFAULT_PLUGINS:
        loader.add(importlib.import_module(module_name), module_name, builtin=True)
    if entry_points_:
        seen: set[str] = set()
        for ep in sorted(entry_points(), key=lambda e: e.name):
            dist_name = canonical_name(ep.dist.name if ep.dist is not None else ep.name)
            if dist_name in seen or (selection is not None and dist_name not in selection):
                continue
            seen.add(dist_name)
            loader.add_entry_point(ep)
    return registry


def get_registry() -> Registry:
    """The process-wide registry, loaded on first use (lazy and idempotent)."""
    global _default
    with _lock:
        if _default is None:
            _default = load_plugins()
        return _default


def set_registry(registry: Optional[Registry]) -> Optional[Registry]:
    """Replace the process-wide registry (``None``: reload on next use); returns the previous one."""
    global _default
    with _lock:
        previous, _default = _default, registry
        return previous


def plugins() -> list[PluginInfo]:
    """Every plugin with its version, status, error and contents."""
    return list(get_registry().plugins.values())


def create(kind: str, name: str, **params: Any) -> Any:
    """Build a registered component: ``create("loss", "l1")``."""
    return get_registry().create(kind, name, **params)
