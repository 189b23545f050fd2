"""The interfaces every component implements.

A component is a class with a ``kind`` (from its base class), a registered ``name`` and a nested pydantic
``Config``. It is built from keyword parameters, which are validated (unknown keys are errors)::

    detector = KeypointDetector(num_kp=10)          # or KeypointDetector(KeypointDetector.Config(num_kp=10))
    detector.config.num_kp                          # -> 10

Tensor conventions (layouts, ranges, flow units) are in ``docs/conventions.md``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Iterable, Optional

import torch
from pydantic import BaseModel, ConfigDict, ValidationError
from torch import nn

from .errors import ConfigError


class Config(BaseModel):
    """Base of every component config: unknown keys are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def format_validation_error(error: ValidationError, prefix: str = "") -> str:
    """One line per problem: ``field.path: message``."""
    lines = []
    for item in error.errors():
        path = ".".join(str(p) for p in (prefix, *item["loc"]) if p != "")
        lines.append(f"  {path or '<root>'}: {item['msg']}")
    return "\n".join(lines)


class Configurable:
    """Mixin giving a class a validated ``config`` built from a ``Config`` instance or keyword params."""

    kind: ClassVar[str] = ""
    name: ClassVar[str] = ""
    Config: ClassVar[type[Config]] = Config

    def __init__(self, config: Optional[Config] = None, **params: Any) -> None:
        super().__init__()
        if config is not None and params:
            raise TypeError(f"{type(self).__name__}: pass either a Config or keyword parameters, not both")
        if config is None:
            config = self.build_config(params)
        elif not isinstance(config, self.Config):
            raise TypeError(
                f"{type(self).__name__} expects a {self.Config.__qualname__}, got {type(config).__name__}"
            )
        self.config = config

    @classmethod
    def build_config(cls, params: dict[str, Any], *, source: str = "") -> Config:
        """Validate ``params`` into ``cls.Config``; raise :class:`ConfigError` naming every bad field."""
        try:
            return cls.Config.model_validate(params)
        except ValidationError as exc:
            where = f" in {source}" if source else ""
            raise ConfigError(
                f"invalid config for {cls.kind} '{cls.name or cls.__name__}'{where}:\n"
                + format_validation_error(exc)
            ) from None


class Component(Configurable, nn.Module):
    """A configurable ``torch.nn.Module``. Never calls ``.cuda()``; follows its inputs' device."""


class MotionRepresentation(Component):
    """Extracts motion from frames: ``forward(frames (B, C, H, W) in [0, 1]) -> motion``.

    The motion is one of :mod:`motionkit.motion`'s dataclasses (``Keypoints``, ``DenseMotion``, ``Pose``).
    """

    kind = "representation"


class Generator(Component):
    """Synthesises frames. ``forward(...)`` returns a dict with at least ``"prediction"``
    ``(B, 3, H, W)``; other entries are intermediate maps for losses and visualisation (flows, masks,
    occlusion maps), named in the class docstring."""

    kind = "generator"


@dataclass
class ScaleOutput:
    """One discriminator scale: intermediate feature maps (for feature matching) and the final logits."""

    features: list[torch.Tensor]
    logits: torch.Tensor


class Discriminator(Component):
    """``forward(frames, condition=None) -> list[ScaleOutput]``, one entry per scale, finest first."""

    kind = "discriminator"


class Loss(Component):
    """A differentiable training objective; ``forward(...)`` returns a scalar tensor.

    Arguments are loss-specific and documented on each class."""

    kind = "loss"


class FlowEstimator(Component):
    """Estimates dense backward flow: ``forward(target, source) -> (B, 2, H, W)`` in pixels such that
    ``motionkit.ops.warp(source, flow)`` approximates ``target``. Inputs are ``(B, 3, H, W)`` in [0, 1]."""

    kind = "flow"


class ConditionExtractor(Component):
    """Turns frames (or files such as pose JSON) into the conditioning input of a generator.

    ``forward(frames (B, 3, H, W) in [0, 1]) -> (B, C_cond, H, W)``; extractors that read other inputs
    document their signature."""

    kind = "condition"


class Dataset(Configurable, torch.utils.data.Dataset):
    """A map-style dataset whose items are dicts of tensors following the conventions."""

    kind = "dataset"


@dataclass
class StepOutput:
    """What a training step returns.

    losses: named, already weighted scalar losses; the engine backpropagates their sum.
    outputs: tensors produced on the way (predictions, flows, ...) for the discriminator step and visuals.
    """

    losses: dict[str, torch.Tensor]
    outputs: dict[str, torch.Tensor] = field(default_factory=dict)


class Method(Component):
    """A paper's method: its networks, default config, training steps and official-checkpoint import.

    The training engine (``motionkit train``) drives a method through:

    * :meth:`parameter_groups` -> ``{"generator": params, "discriminator": params, ...}``; each group gets
      its own optimizer. Groups named in ``discriminator_groups`` are updated by the discriminator step.
    * :meth:`generator_step` and :meth:`discriminator_step` on a batch from the training dataset.
    * :meth:`visuals` for periodic samples.

    Inference is exposed by the commands the plugin registers (``register_commands`` hook).
    """

    kind = "method"
    #: parameter groups updated by :meth:`discriminator_step` (empty: no adversarial training)
    discriminator_groups: ClassVar[tuple[str, ...]] = ()
    #: folder of built-in training configs (YAML), listed by ``motionkit configs`` as ``<name>/<stem>``
    config_dir: ClassVar[Optional[Path]] = None

    def parameter_groups(self) -> dict[str, Iterable[nn.Parameter]]:
        """Parameters per optimizer group."""
        raise NotImplementedError(f"method '{self.name}' does not define parameter_groups()")

    def generator_step(self, batch: dict[str, torch.Tensor]) -> StepOutput:
        """Losses for the generator-side groups on one batch."""
        raise NotImplementedError(f"method '{self.name}' does not define generator_step()")

    def discriminator_step(
        self, batch: dict[str, torch.Tensor], outputs: dict[str, torch.Tensor]
    ) -> dict[str, torch.Tensor]:
        """Losses for the groups in ``discriminator_groups``; ``outputs`` come from :meth:`generator_step`."""
        return {}

    def visuals(self, batch: dict[str, torch.Tensor], outputs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Named images ``(B, 3, H, W)`` in [0, 1] to log as samples."""
        return {}

    def set_training_progress(self, step: int, total_steps: int) -> None:
        """Called by the engine before each step (e.g. vid2vid grows its sequence length)."""

    @classmethod
    def from_official(cls, checkpoint: Path, config: Optional[Path] = None) -> "Method":
        """Build the method from an official checkpoint (and its official config file)."""
        raise NotImplementedError(f"method '{cls.name}' cannot import official checkpoints")


#: base class of each kind, in the order they are listed
KIND_BASES: dict[str, type] = {
    cls.kind: cls
    for cls in (
        MotionRepresentation,
        Generator,
        Discriminator,
        Loss,
        FlowEstimator,
        ConditionExtractor,
        Dataset,
        Method,
    )
}


def kind_of(cls: type) -> str:
    """The kind of a component class, from the interface it subclasses."""
    for kind, base in KIND_BASES.items():
        if isinstance(cls, type) and issubclass(cls, base) and cls is not base:
            return kind
    bases = ", ".join(b.__name__ for b in KIND_BASES.values())
    raise TypeError(f"{getattr(cls, '__qualname__', cls)!r} is not a component class (subclass one of {bases})")
