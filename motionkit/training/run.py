"""From a config file to a finished run: config resolution, building method and dataset, run folder."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import torch

from ..configfile import RunConfig, apply_overrides, load_mapping, parse_run_config, resolve_config, validate_section
from ..errors import MotionkitError, UnknownComponentError
from ..interfaces import Dataset, Method
from ..plugins import get_registry
from .checkpoints import list_checkpoints
from .config import TrainConfig, parse_train_config
from .distributed import DistributedContext, broadcast_module, default_device, init_distributed, shutdown
from .engine import Trainer
from .precision import resolve_precision
from .rng import seed_everything
from .runinfo import environment_info, write_yaml

CONFIG_FILE = "config.yaml"
ENVIRONMENT_FILE = "environment.yaml"


@dataclass
class LoadedConfig:
    """A validated run config: its structure, its ``train`` section and where it came from."""

    run: RunConfig
    train: TrainConfig
    source: str
    path: Path


def load_run_config(config: str, overrides: Optional[list[str]] = None) -> LoadedConfig:
    """Read ``config`` (a path or built-in name), apply ``key.path=value`` overrides and validate."""
    path = resolve_config(config)
    overrides = list(overrides or [])
    source = str(path) + (" (with overrides " + " ".join(overrides) + ")" if overrides else "")
    data = apply_overrides(load_mapping(path), overrides)
    run = parse_run_config(data, source)
    return LoadedConfig(run=run, train=parse_train_config(run.train, source=source), source=source, path=path)


def _lookup(kind: str, name: str, source: str, field: str) -> type:
    try:
        return get_registry().get(kind, name)
    except UnknownComponentError as exc:
        raise UnknownComponentError(f"{source}: {field}: {exc}") from None


def build_method(loaded: LoadedConfig) -> Method:
    """The method of the config's ``method``/``model`` sections (errors name file, field and plugin)."""
    registry = get_registry()
    cls = _lookup("method", loaded.run.method, loaded.source, "method")
    plugin = registry.entry("method", loaded.run.method).plugin
    config = validate_section(cls, loaded.run.model, source=loaded.source, section="model", plugin=plugin)
    return cls(config)


def build_dataset(loaded: LoadedConfig) -> Dataset:
    """The dataset of the config's ``data`` section."""
    registry = get_registry()
    spec = loaded.run.data
    cls = _lookup("dataset", spec.name, loaded.source, "data.name")
    plugin = registry.entry("dataset", spec.name).plugin
    config = validate_section(cls, spec.params, source=loaded.source, section="data.params", plugin=plugin)
    return cls(config)


def resolved_config(loaded: LoadedConfig, method: Method, dataset: Dataset) -> dict[str, Any]:
    """The run config with every default filled in (what the run folder records)."""
    result: dict[str, Any] = {
        "method": loaded.run.method,
        "model": method.config.model_dump(mode="json"),
        "data": {"name": loaded.run.data.name, "params": dataset.config.model_dump(mode="json")},
    }
    if loaded.run.eval_data is not None:
        result["eval_data"] = loaded.run.eval_data.model_dump(mode="json")
    result["train"] = loaded.train.model_dump(mode="json")
    return result


def train(
    config: str,
    *,
    overrides: Optional[list[str]] = None,
    out: Optional[Path] = None,
    resume: bool = False,
    device: Optional[str] = None,
    show_progress: bool = True,
) -> Path:
    """Train as ``config`` says into ``out`` (default ``runs/<config stem>``); returns the final weights
    file. Under ``torchrun`` every process calls this; rank 0 writes the run folder."""
    loaded = load_run_config(config, overrides)
    run_dir = Path(out) if out is not None else Path("runs") / loaded.path.stem
    if not resume and list_checkpoints(run_dir):
        raise MotionkitError(
            f"{run_dir} already holds checkpoints; pass --resume to continue that run or choose another --out"
        )
    torch_device = default_device(device)
    ctx = init_distributed(torch_device)
    try:
        return _train(loaded, run_dir, torch_device, ctx, resume=resume, show_progress=show_progress)
    finally:
        shutdown(ctx)


def _train(loaded: LoadedConfig, run_dir: Path, device: torch.device, ctx: DistributedContext, *, resume: bool,
           show_progress: bool) -> Path:
    plan = resolve_precision(loaded.train.precision, device)
    seed_everything(loaded.train.seed)
    dataset = build_dataset(loaded)
    method = build_method(loaded).to(device)
    broadcast_module(method, ctx)
    if ctx.rank:
        seed_everything(loaded.train.seed + ctx.rank)  # per-process randomness; rank 0 matches a single process
    resolved = resolved_config(loaded, method, dataset)
    trainer = Trainer(method, dataset, loaded.train, run_dir, device=device, precision=plan, ctx=ctx,
                      resolved_config=resolved, show_progress=show_progress)
    if resume:
        trainer.resume()
    if ctx.is_main:
        run_dir.mkdir(parents=True, exist_ok=True)
        write_yaml(run_dir / CONFIG_FILE, resolved)
        write_yaml(run_dir / ENVIRONMENT_FILE, environment_info(device, plan, ctx))
    return trainer.run()
