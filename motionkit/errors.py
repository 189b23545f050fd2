"""Exceptions raised by motionkit. Every message names the file, field or tensor at fault."""
from __future__ import annotations


class MotionkitError(Exception):
    """Base class of every error motionkit raises on purpose."""


class ConfigError(MotionkitError, ValueError):
    """A config file or a component's parameters failed validation."""


class UnknownComponentError(MotionkitError, LookupError):
    """No registered component has the requested kind and name."""


class PluginError(MotionkitError):
    """A plugin failed to load or registered something invalid (raised in strict mode)."""


class CheckpointError(MotionkitError, ValueError):
    """A checkpoint is missing, unsafe, or does not match the model it is loaded into."""


class MissingWeightsError(MotionkitError, FileNotFoundError):
    """Pretrained weights the user must provide were not found; the message names the file."""


class InputError(MotionkitError, ValueError):
    """An input file or tensor is unreadable or has the wrong shape, dtype or range."""


class PluginLoadWarning(UserWarning):
    """A plugin was skipped because it failed to load; the others loaded normally."""
