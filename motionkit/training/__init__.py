"""Training: ``motionkit train`` and the engine behind it.

Python use::

    from motionkit.training import train
    final = train("config.yaml", overrides=["train.steps=100"], out=Path("runs/try"))

The ``train:`` section of a config is :class:`TrainConfig`; docs/training.md describes run folders,
resuming, precision and multi-process training.
"""
from .checkpoints import latest_checkpoint, list_checkpoints, load_checkpoint_state
from .config import OptimizerConfig, ScheduleConfig, TrainConfig
from .engine import NonFiniteLossError, Trainer
from .precision import cpu_supports_bf16, resolve_precision
from .run import build_dataset, build_method, load_run_config, train

__all__ = [
    "NonFiniteLossError", "OptimizerConfig", "ScheduleConfig", "TrainConfig", "Trainer", "build_dataset",
    "build_method", "cpu_supports_bf16", "latest_checkpoint", "list_checkpoints", "load_checkpoint_state",
    "load_run_config", "resolve_precision", "train",
]
