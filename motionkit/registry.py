"""The registry of components, commands and demo sections, keyed by kind and name."""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Optional

from .errors import PluginError, UnknownComponentError
from .interfaces import KIND_BASES, Configurable, kind_of


@dataclass
class Entry:
    """A registered component class and the plugin that registered it."""

    kind: str
    name: str
    cls: type
    plugin: str

    @property
    def summary(self) -> str:
        """First line of the class docstring."""
        doc = (self.cls.__doc__ or "").strip()
        return doc.splitlines()[0] if doc else ""


@dataclass
class PluginInfo:
    """A plugin as loaded: distribution name and version, status (``ok``/``failed``), error, contents."""

    name: str
    version: str
    status: str = "ok"
    error: Optional[str] = None
    builtin: bool = False
    components: list[str] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    demo_sections: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data = {"name": self.name, "version": self.version, "status": self.status}
        if self.error:
            data["error"] = self.error
        data.update(components=self.components, commands=self.commands, demo_sections=self.demo_sections)
        return data


class Registry:
    """Components by ``(kind, name)``, plus plugin-contributed commands and demo sections."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], Entry] = {}
        self.commands: list[Any] = []
        self.demo_sections: list[Any] = []
        self.plugins: dict[str, PluginInfo] = {}

    # -- lookup ---------------------------------------------------------------------------------------
    def names(self, kind: Optional[str] = None) -> list[str]:
        """Sorted names of the components of ``kind`` (all kinds as ``kind:name`` when ``None``)."""
        if kind is None:
            return sorted(f"{k}:{n}" for k, n in self.entries)
        return sorted(n for k, n in self.entries if k == kind)

    def get(self, kind: str, name: str) -> type:
        """The class registered as ``(kind, name)``; :class:`UnknownComponentError` with hints otherwise."""
        if kind not in KIND_BASES:
            raise UnknownComponentError(
                f"unknown component kind '{kind}'; kinds are: {', '.join(KIND_BASES)}"
            )
        entry = self.entries.get((kind, name))
        if entry is None:
            raise UnknownComponentError(self._unknown_message(kind, name))
        return entry.cls

    def entry(self, kind: str, name: str) -> Entry:
        self.get(kind, name)
        return self.entries[(kind, name)]

    def create(self, kind: str, name: str, **params: Any) -> Any:
        """Build the component ``(kind, name)`` from keyword parameters (validated by its ``Config``)."""
        cls = self.get(kind, name)
        config = cls.build_config(params, source=f"plugin {self.entries[(kind, name)].plugin}")
        return cls(config)

    def _unknown_message(self, kind: str, name: str) -> str:
        known = self.names(kind)
        message = f"no {kind} named '{name}'"
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
        if close:
            message += "; did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
        elif known:
            message += f"; known {kind}s: {', '.join(known)}"
        else:
            message += f"; no {kind} is registered"
        failed = [p for p in self.plugins.values() if p.status == "failed"]
        if failed:
            message += "\nplugins that failed to load: " + "; ".join(f"{p.name} ({p.error})" for p in failed)
        return message

    # -- registration (used by motionkit.plugins) -------------------------------------------------------
    def check_component(self, cls: Any, name: Optional[str], plugin: str) -> Entry:
        """Validate a class offered by ``plugin`` and return its entry (not yet added)."""
        if not isinstance(cls, type):
            raise PluginError(f"plugin {plugin} registered {cls!r}, which is not a class")
        kind = kind_of(cls)
        assert issubclass(cls, Configurable)
        name = name or cls.name
        if not name:
            raise PluginError(f"plugin {plugin} registered {cls.__qualname__} without a name")
        existing = self.entries.get((kind, name))
        if existing is not None:
            raise PluginError(
                f"plugin {plugin} registered {kind} '{name}', already registered by plugin {existing.plugin}"
            )
        return Entry(kind=kind, name=name, cls=cls, plugin=plugin)

    def add_entries(self, entries: list[Entry]) -> None:
        for e in entries:
            self.entries[(e.kind, e.name)] = e
