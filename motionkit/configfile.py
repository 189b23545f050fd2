"""Config files (YAML or JSON), ``--set key=value`` overrides and built-in config names.

A training/run config has one section per part, keys equal to constructor parameters::

    method: first-order          # a registered method
    model: {num_kp: 10}          # the method's Config
    data: {name: sprites, params: {height: 64, width: 64}}   # a registered dataset and its Config
    train: {steps: 2000, batch_size: 8}         # motionkit.training.TrainConfig

Every error names the file, the field path, the component and its plugin.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import ConfigError
from .interfaces import format_validation_error


class DataSpec(BaseModel):
    """A registered dataset and its parameters."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(description="registered dataset name (motionkit components --kind dataset)")
    params: dict[str, Any] = Field(default_factory=dict, description="the dataset's Config")


class RunConfig(BaseModel):
    """The structure of a training config file (sections are validated by their owners)."""

    model_config = ConfigDict(extra="forbid")
    method: str = Field(description="registered method name (motionkit components --kind method)")
    model: dict[str, Any] = Field(default_factory=dict, description="the method's Config")
    data: DataSpec
    eval_data: Optional[DataSpec] = Field(None, description="held-out data for evaluation scripts and benchmarks (not used by the training loop)")
    train: dict[str, Any] = Field(default_factory=dict, description="motionkit.training.TrainConfig")


def load_mapping(path: Union[str, Path]) -> dict[str, Any]:
    """Read a YAML (``.yaml``/``.yml``) or JSON file whose top level is a mapping."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            data = yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: not valid {'JSON' if path.suffix.lower() == '.json' else 'YAML'}: {exc}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping, got {type(data).__name__}")
    return data


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Return a copy of ``data`` with ``key.path=value`` overrides applied; values are parsed as YAML."""
    result = json.loads(json.dumps(data))
    for item in overrides:
        if "=" not in item:
            raise ConfigError(f"--set {item!r}: expected key.path=value")
        key, raw = item.split("=", 1)
        parts = [p for p in key.strip().split(".") if p]
        if not parts:
            raise ConfigError(f"--set {item!r}: empty key")
        try:
            value = yaml.safe_load(raw)
        except yaml.YAMLError as exc:
            raise ConfigError(f"--set {item!r}: cannot parse value: {exc}") from None
        node = result
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError(f"--set {item!r}: '{part}' is not a mapping")
            node = child
        node[parts[-1]] = value
    return result


def parse_run_config(data: dict[str, Any], source: str) -> RunConfig:
    """Validate the file structure (phase 1; sections are checked by their components in phase 2)."""
    try:
        return RunConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{source}: invalid config:\n{format_validation_error(exc)}") from None


def validate_section(cls: type, params: dict[str, Any], *, source: str, section: str, plugin: str) -> Any:
    """Validate a section against a component class's ``Config``; errors name file, path, component, plugin."""
    try:
        return cls.Config.model_validate(params)
    except ValidationError as exc:
        raise ConfigError(
            f"{source}: invalid config for {cls.kind} '{cls.name}' (plugin {plugin}):\n"
            + format_validation_error(exc, prefix=section)
        ) from None


def builtin_configs() -> dict[str, Path]:
    """Built-in training configs by name ``<method>/<stem>``, from each method's ``config_dir``."""
    from .plugins import get_registry

    registry = get_registry()
    found: dict[str, Path] = {}
    for name in registry.names("method"):
        config_dir = registry.get("method", name).config_dir
        if config_dir is None:
            continue
        for path in sorted(Path(config_dir).glob("*.y*ml")):
            found[f"{name}/{path.stem}"] = path
    return found


def resolve_config(name_or_path: str) -> Path:
    """A config file path, or the file of a built-in config name such as ``first-order/sprites``."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    known = builtin_configs()
    if name_or_path in known:
        return known[name_or_path]
    hint = ", ".join(sorted(known)) or "none installed"
    raise ConfigError(f"{name_or_path}: no such config file or built-in config (built-in configs: {hint})")
