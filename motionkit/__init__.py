"""motionkit: motion transfer and video synthesis, one core and a plugin per method.

Public API::

    import motionkit as mk
    mk.plugins()                                   # installed plugins and what they registered
    kp = mk.create("representation", "first-order.keypoints", num_kp=10)
    mk.ops.warp(image, flow, align_corners=False)  # shared operations (lazy submodules: ops, nn, losses,
                                                   # io, data, conditions, training, metrics, demo)
"""
from __future__ import annotations

import importlib
from typing import Any

from .checkpoint import load_method, save_method
from .commands import Command
from .demo.section import DemoSection
from .errors import (
    CheckpointError,
    ConfigError,
    InputError,
    MissingWeightsError,
    MotionkitError,
    PluginError,
    PluginLoadWarning,
    UnknownComponentError,
)
from .hookspecs import hookimpl
from .interfaces import (
    Component,
    ConditionExtractor,
    Config,
    Dataset,
    Discriminator,
    FlowEstimator,
    Generator,
    Loss,
    Method,
    MotionRepresentation,
    ScaleOutput,
    StepOutput,
)
from .motion import DenseMotion, Keypoints, LabelMap, Pose
from .plugins import create, get_registry, load_plugins, plugins, set_registry

__version__ = "0.1.0"

_SUBMODULES = {"ops", "nn", "losses", "io", "data", "conditions", "training", "metrics", "demo", "testing"}


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'motionkit' has no attribute {name!r}")


__all__ = [
    "CheckpointError", "Command", "Component", "ConditionExtractor", "Config", "ConfigError", "Dataset",
    "DemoSection", "DenseMotion", "Discriminator", "FlowEstimator", "Generator", "InputError", "Keypoints",
    "LabelMap", "Loss", "Method", "MissingWeightsError", "MotionRepresentation", "MotionkitError",
    "PluginError", "PluginLoadWarning", "Pose", "ScaleOutput", "StepOutput", "UnknownComponentError",
    "create", "get_registry", "hookimpl", "load_method", "load_plugins", "plugins", "save_method",
    "set_registry",
]
