"""Train a method for a number of seconds (the gallery's budgets are in time, not steps)."""
from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import torch

from ..interfaces import Method
from ..training.config import OptimizerConfig, ScheduleConfig, TrainConfig
from ..training.precision import PrecisionPlan, resolve_precision
from .progress import ProgressReporter


@dataclass
class LossHistory:
    """Loss values per training step: ``{name: [value at step 0, 1, ...]}`` (``discriminator_names``: the
    terms of the discriminator step) and the measured seconds."""

    losses: dict[str, list[float]] = field(default_factory=dict)
    discriminator_names: set[str] = field(default_factory=set)
    steps: int = 0
    seconds: float = 0.0

    def add(self, values: dict[str, float]) -> None:
        for name, value in values.items():
            self.losses.setdefault(name, []).append(value)
        self.steps += 1


def train_for_seconds(
    method: Method,
    next_batch: Callable[[], dict[str, torch.Tensor]],
    seconds: float,
    *,
    lr: float,
    betas: tuple[float, float] = (0.5, 0.999),
    progress: ProgressReporter,
    report_every: int = 5,
    schedule: Optional[ScheduleConfig] = None,
    precision: Optional[PrecisionPlan] = None,
    max_steps: Optional[int] = None,
) -> LossHistory:
    """Run generator (and discriminator) steps with one Adam per parameter group while the next step is
    expected to end within ``seconds`` (at least one step runs), and at most ``max_steps`` steps.

    ``set_training_progress(step, total)`` gets the total number of steps extrapolated from the speed so far;
    so does ``schedule`` (a learning-rate schedule over the planned steps, e.g. a run config's
    ``train.optimizer.schedule``; constant when ``None``). ``precision``: the autocast both steps run in
    (e.g. :func:`motionkit.training.precision.resolve_precision` of the config's ``train.precision``;
    fp32 when ``None``); fp16, which needs a loss scaler, is left to ``motionkit train``.

    :param next_batch: returns the next training batch (already on the method's device).
    :returns: the per-step losses (generator and discriminator terms by name) and the measured time.
    """
    if max_steps is not None and max_steps < 1:
        raise ValueError(f"max_steps must be at least 1, got {max_steps}")
    if precision is not None and precision.name == "fp16":
        raise ValueError(f"train_for_seconds runs fp32 or bf16, not {precision.name} (it needs a loss scaler: "
                         "use motionkit train)")
    autocast = precision.autocast if precision is not None else contextlib.nullcontext
    method.train()
    groups = {name: [p for p in params if p.requires_grad] for name, params in method.parameter_groups().items()}
    settings = OptimizerConfig(lr=lr, betas=betas)
    optimizers = {name: settings.build(params) for name, params in groups.items() if params}
    generator_side = [o for n, o in optimizers.items() if n not in method.discriminator_groups]
    discriminator_side = [o for n, o in optimizers.items() if n in method.discriminator_groups]
    history = LossHistory()
    start = time.monotonic()
    # stop when the next step would probably end past the budget (mean step time so far)
    while not history.steps or (
        history.steps != max_steps and (elapsed := time.monotonic() - start) * (1 + 1 / history.steps) < seconds
    ):
        batch = next_batch()
        # the planned length is unknown in advance: extrapolate it from the speed so far
        planned = max(history.steps + 1, round(history.steps * seconds / elapsed)) if history.steps else 1
        planned = min(planned, max_steps) if max_steps is not None else planned
        method.set_training_progress(history.steps, planned)
        if schedule is not None:
            for optimizer in optimizers.values():
                for group in optimizer.param_groups:
                    group["lr"] = lr * schedule.factor(history.steps, planned)
        with autocast():
            result = method.generator_step(batch)
        _apply(generator_side, result.losses)
        values = {name: float(v.detach()) for name, v in result.losses.items()}
        if discriminator_side:
            outputs = {k: v.detach() if isinstance(v, torch.Tensor) else v for k, v in result.outputs.items()}
            with autocast():
                d_losses = method.discriminator_step(batch, outputs)
            if d_losses:
                _apply(discriminator_side, d_losses)
                history.discriminator_names.update(d_losses)
                values.update({name: float(v.detach()) for name, v in d_losses.items()})
        history.add(values)
        if history.steps % report_every == 0:
            progress.step(history.steps, planned, loss=sum(v for k, v in values.items() if k in result.losses))
    history.seconds = time.monotonic() - start
    method.eval()
    return history


def training_options(train: TrainConfig, device: torch.device) -> dict[str, Any]:
    """:func:`train_for_seconds` keyword arguments from a run config's ``train`` section: its optimizer's
    ``lr``, ``betas`` and ``schedule``, and its ``precision`` resolved for ``device``."""
    optimizer = train.optimizer
    return {"lr": optimizer.lr, "betas": tuple(optimizer.betas), "schedule": optimizer.schedule,
            "precision": resolve_precision(train.precision, device)}


def split_losses(history: LossHistory) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """``(generator terms, discriminator terms)`` of a history, for separate plots."""
    generator = {k: v for k, v in history.losses.items() if k not in history.discriminator_names}
    discriminator = {k: v for k, v in history.losses.items() if k in history.discriminator_names}
    return generator, discriminator


def _apply(optimizers: list[torch.optim.Optimizer], losses: dict[str, torch.Tensor]) -> None:
    for optimizer in optimizers:
        optimizer.zero_grad(set_to_none=True)
    total = torch.stack([v.reshape(()).float() for v in losses.values()]).sum()
    if not torch.isfinite(total):
        raise FloatingPointError(f"non-finite training loss: {({k: float(v.detach()) for k, v in losses.items()})}")
    total.backward()
    for optimizer in optimizers:
        optimizer.step()
