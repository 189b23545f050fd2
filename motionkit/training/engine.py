"""The training loop: one engine for every :class:`~motionkit.interfaces.Method`.

Per step: ``set_training_progress`` -> generator step (losses summed, backpropagated, gradients averaged
over processes, clipped, one optimizer step per generator-side group) -> discriminator step on the detached
outputs (groups in ``Method.discriminator_groups``) -> schedulers -> logging, samples and checkpoints.
Everything that decides a step's result (weights, optimizer and scheduler states, RNG states, data
position) is in the checkpoint, so a resumed run continues bit for bit.
"""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Iterator, Optional

import torch
from torch import nn
from torch.utils.data import DataLoader
from tqdm import tqdm

from ..checkpoint import save_method
from ..errors import ConfigError, MotionkitError
from ..interfaces import Method, StepOutput
from .checkpoints import (
    latest_checkpoint,
    load_checkpoint_state,
    load_checkpoint_weights,
    remove_stale,
    save_checkpoint,
)
from .config import TrainConfig
from .distributed import (
    DistributedContext,
    any_process,
    average_gradients,
    barrier,
    gather_objects,
    mean_over_processes,
)
from .precision import PrecisionPlan
from .rng import capture_rng_state, restore_rng_state, seed_everything
from .sampler import StepBatchSampler
from .samples import write_sample_grid
from .scalars import ScalarLog

FINAL_WEIGHTS = "final.safetensors"
#: train.* fields that may change between a run and its resumption without breaking exactness
RESUMABLE_CHANGES = ("steps", "checkpoint_every", "keep_last", "log_every", "sample_every", "tensorboard", "num_workers")


class NonFiniteLossError(MotionkitError, FloatingPointError):
    """A loss term became NaN or infinite; training stopped before applying it."""


class Trainer:
    """Trains ``method`` on ``dataset`` as ``config`` says, writing into ``run_dir``.

    :param resolved_config: the full run config (stored in checkpoints and compared on resume).
    """

    def __init__(
        self,
        method: Method,
        dataset: torch.utils.data.Dataset,
        config: TrainConfig,
        run_dir: Path,
        *,
        device: torch.device,
        precision: PrecisionPlan,
        ctx: DistributedContext = DistributedContext(),
        resolved_config: Optional[dict[str, Any]] = None,
        show_progress: bool = True,
    ) -> None:
        self.method = method.to(device)
        self.dataset = dataset
        self.config = config
        self.run_dir = Path(run_dir)
        self.device = device
        self.precision = precision
        self.ctx = ctx
        self.resolved_config = resolved_config or {}
        self.show_progress = show_progress and ctx.is_main
        self.groups = self._parameter_groups()
        self.optimizers = {name: self._optimizer(name, params) for name, params in self.groups.items()}
        self.schedulers = {name: self._scheduler(name, opt) for name, opt in self.optimizers.items()}
        self.scaler = precision.grad_scaler()
        self.step = 0

    # -- setup ----------------------------------------------------------------------------------------
    def _parameter_groups(self) -> dict[str, list[nn.Parameter]]:
        groups = {name: [p for p in params if p.requires_grad] for name, params in self.method.parameter_groups().items()}
        if not groups:
            raise MotionkitError(f"method '{self.method.name}': parameter_groups() returned no groups")
        seen: dict[int, str] = {}
        for name, params in groups.items():
            if not params:
                raise MotionkitError(f"method '{self.method.name}': parameter group '{name}' has no trainable parameters")
            for p in params:
                if id(p) in seen:
                    raise MotionkitError(
                        f"method '{self.method.name}': a parameter is in both groups '{seen[id(p)]}' and '{name}'"
                    )
                seen[id(p)] = name
        unknown = [g for g in self.config.groups if g not in groups]
        if unknown:
            raise ConfigError(
                f"train.groups: unknown parameter group(s) {', '.join(unknown)}; method '{self.method.name}' "
                f"has groups: {', '.join(groups)}"
            )
        return groups

    def _optimizer(self, group: str, params: list[nn.Parameter]) -> torch.optim.Optimizer:
        return self.config.optimizer_for(group).build(params)

    def _scheduler(self, group: str, optimizer: torch.optim.Optimizer) -> torch.optim.lr_scheduler.LambdaLR:
        schedule = self.config.optimizer_for(group).schedule
        total = self.config.steps
        return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: schedule.factor(step, total))

    @property
    def generator_groups(self) -> list[str]:
        return [g for g in self.groups if g not in self.method.discriminator_groups]

    @property
    def discriminator_groups(self) -> list[str]:
        """Groups the discriminator step updates (a method may leave its discriminator out by config)."""
        return [g for g in self.groups if g in self.method.discriminator_groups]

    # -- state ----------------------------------------------------------------------------------------
    def training_state(self) -> dict[str, Any]:
        """Everything besides the weights that a resumed run needs (RNG states of every process)."""
        sampler = self._sampler(self.step)
        return {
            "config": self.resolved_config,
            "optimizers": {n: o.state_dict() for n, o in self.optimizers.items()},
            "schedulers": {n: s.state_dict() for n, s in self.schedulers.items()},
            "scaler": self.scaler.state_dict() if self.scaler is not None else None,
            "rng": gather_objects(capture_rng_state(), self.ctx),
            "data": sampler.position(self.step),
            "world_size": self.ctx.world_size,
        }

    def resume(self) -> int:
        """Load the newest checkpoint of ``run_dir``; returns its step."""
        if self.ctx.is_main:
            remove_stale(self.run_dir)
        found = latest_checkpoint(self.run_dir)
        if found is None:
            raise MotionkitError(f"--resume: {self.run_dir / 'checkpoints'} holds no complete checkpoint")
        step, folder = found
        state = load_checkpoint_state(folder)
        self._check_resumable(state.get("config", {}), folder)
        saved_items = state.get("data", {}).get("num_items")
        if saved_items != len(self.dataset):
            warnings.warn(
                f"--resume: the dataset had {saved_items} items when {folder} was written and has {len(self.dataset)} "
                "now; the data order from here on differs from the original run's",
                RuntimeWarning,
                stacklevel=2,
            )
        load_checkpoint_weights(folder, self.method)
        for name, optimizer in self.optimizers.items():
            optimizer.load_state_dict(state["optimizers"][name])
        for name, scheduler in self.schedulers.items():
            scheduler.load_state_dict(state["schedulers"][name])
        if self.scaler is not None and state.get("scaler"):
            self.scaler.load_state_dict(state["scaler"])
        rngs = state["rng"]
        if len(rngs) == self.ctx.world_size:
            restore_rng_state(rngs[self.ctx.rank])
        else:  # another process count: data order is unchanged, per-process randomness restarts
            seed_everything(self.config.seed + self.ctx.rank + step)
        self.step = step
        return step

    def _check_resumable(self, saved: dict[str, Any], folder: Path) -> None:
        current = self.resolved_config
        changed = [k for k in ("method", "model", "data") if saved.get(k) != current.get(k)]
        saved_train, current_train = saved.get("train", {}), current.get("train", {})
        changed += [
            f"train.{k}"
            for k in sorted(set(saved_train) | set(current_train))
            if k not in RESUMABLE_CHANGES and saved_train.get(k) != current_train.get(k)
        ]
        if changed:
            raise ConfigError(
                f"--resume: the config differs from the one checkpoint {folder} was trained with in: "
                f"{', '.join(changed)}; resume with the same config (only train.{{{', '.join(RESUMABLE_CHANGES)}}} may change)"
            )

    # -- loop -----------------------------------------------------------------------------------------
    def _sampler(self, start_step: int) -> StepBatchSampler:
        return StepBatchSampler(
            len(self.dataset),
            self.config.batch_size,
            seed=self.config.seed,
            start_step=start_step,
            total_steps=self.config.steps,
            rank=self.ctx.rank,
            world_size=self.ctx.world_size,
        )

    def _batches(self) -> Iterator[dict[str, Any]]:
        loader = DataLoader(
            self.dataset,
            batch_sampler=self._sampler(self.step),
            num_workers=self.config.num_workers,
            pin_memory=self.device.type == "cuda",
            # its own generator: creating the iterator must not draw from the global RNG (resume exactness)
            generator=torch.Generator().manual_seed(self.config.seed),
        )
        for batch in loader:
            yield {k: v.to(self.device, non_blocking=True) if isinstance(v, torch.Tensor) else v for k, v in batch.items()}

    def run(self) -> Path:
        """Train from ``self.step`` to ``config.steps``; returns the final weights file."""
        self.method.train()
        total = self.config.steps
        if self.ctx.is_main:
            self.run_dir.mkdir(parents=True, exist_ok=True)
        log = ScalarLog(self.run_dir, resume_step=self.step, tensorboard=self.config.tensorboard) if self.ctx.is_main else None
        bar = tqdm(total=total, initial=self.step, desc="train", unit="step", dynamic_ncols=True, disable=not self.show_progress)
        try:
            batches = self._batches()
            while self.step < total:
                self.method.set_training_progress(self.step, total)  # before the batch is read
                batch = next(batches)
                scalars, outputs = self._train_step(batch)
                self.step += 1
                bar.update(1)
                bar.set_postfix(loss=f"{scalars['generator/total']:.4g}", refresh=False)
                self._after_step(batch, outputs, scalars, log)
        finally:
            bar.close()
            if log is not None:
                log.close()
        final = self.run_dir / FINAL_WEIGHTS
        if self.ctx.is_main:
            save_method(self.method, final, extra={"step": str(self.step)})
        barrier(self.ctx)
        return final

    def _after_step(self, batch: dict[str, Any], outputs: dict[str, torch.Tensor], scalars: dict[str, float],
                    log: Optional[ScalarLog]) -> None:
        step, cfg = self.step, self.config
        last = step == cfg.steps
        if step % cfg.log_every == 0 or last:
            scalars = mean_over_processes(scalars, self.ctx, self.device)
            if log is not None:
                lrs = {f"lr/{n}": o.param_groups[0]["lr"] for n, o in self.optimizers.items()}
                log.log(step, {**scalars, **lrs})
        if self.ctx.is_main and (step % cfg.sample_every == 0 or last):
            self._write_samples(batch, outputs)
        if step % cfg.checkpoint_every == 0 or last:
            state = self.training_state()  # every process contributes its RNG state
            if self.ctx.is_main:
                save_checkpoint(self.run_dir, step, self.method, state, cfg.keep_last)
            barrier(self.ctx)

    def _write_samples(self, batch: dict[str, Any], outputs: dict[str, torch.Tensor]) -> None:
        rng = capture_rng_state()  # samples must not change the training trajectory
        try:
            with torch.no_grad():
                visuals = self.method.visuals(batch, outputs)
            if visuals:
                write_sample_grid(self.run_dir / "samples" / f"step-{self.step:08d}.png", visuals)
        finally:
            restore_rng_state(rng)

    def _train_step(self, batch: dict[str, Any]) -> tuple[dict[str, float], dict[str, torch.Tensor]]:
        with self.precision.autocast():
            result = self.method.generator_step(batch)
        if not isinstance(result, StepOutput):
            raise MotionkitError(
                f"method '{self.method.name}': generator_step must return a StepOutput, got {type(result).__name__}"
            )
        scalars = self._update(self.generator_groups, result.losses, "generator")
        outputs = {k: v.detach() if isinstance(v, torch.Tensor) else v for k, v in result.outputs.items()}
        if self.discriminator_groups:
            with self.precision.autocast():
                d_losses = self.method.discriminator_step(batch, outputs)
            scalars.update(self._update(self.discriminator_groups, d_losses, "discriminator"))
        if self.scaler is not None:
            self.scaler.update()
        for scheduler in self.schedulers.values():
            scheduler.step()
        return scalars, outputs

    def _update(self, group_names: list[str], losses: dict[str, torch.Tensor], side: str) -> dict[str, float]:
        """Backpropagate the sum of ``losses`` and step the optimizers of ``group_names``."""
        where = f"method '{self.method.name}' {side}_step"
        if not losses:
            raise MotionkitError(f"{where} returned no losses")
        for name, value in losses.items():
            if not isinstance(value, torch.Tensor) or value.numel() != 1:
                raise MotionkitError(f"{where}: loss '{name}' must be a scalar tensor, got {_describe(value)}")
        values = torch.stack([v.detach().float().reshape(()) for v in losses.values()])
        bad_here = [n for n, ok in zip(losses, torch.isfinite(values).tolist()) if not ok]
        if any_process(bool(bad_here), self.ctx, self.device):
            self._stop_non_finite(bad_here, losses, side)
        optimizers = [self.optimizers[g] for g in group_names]
        for optimizer in optimizers:
            optimizer.zero_grad(set_to_none=True)
        total = torch.stack([v.float().reshape(()) for v in losses.values()]).sum()
        (self.scaler.scale(total) if self.scaler is not None else total).backward()
        scalars = {f"{side}/{n}": v for n, v in zip(losses, values.tolist())}
        scalars[f"{side}/total"] = float(values.sum())
        for group, optimizer in zip(group_names, optimizers):
            params = self.groups[group]
            average_gradients(params, self.ctx)
            if self.config.grad_clip is not None:
                if self.scaler is not None:
                    self.scaler.unscale_(optimizer)
                norm = torch.nn.utils.clip_grad_norm_([p for p in params if p.grad is not None], self.config.grad_clip)
                scalars[f"grad_norm/{group}"] = float(norm)
            if self.scaler is not None:
                self.scaler.step(optimizer)
            else:
                optimizer.step()
        return scalars

    def _stop_non_finite(self, bad_here: list[str], losses: dict[str, torch.Tensor], side: str) -> None:
        bad = sorted({n for names in gather_objects(bad_here, self.ctx) for n in names})
        detail = ", ".join(f"'{n}' = {float(losses[n].detach()) if n in losses else 'non-finite'}" for n in bad)
        found = latest_checkpoint(self.run_dir)
        kept = f"the last good checkpoint is {found[1]} (step {found[0]})" if found else "no checkpoint had been written yet"
        raise NonFiniteLossError(
            f"step {self.step + 1}: non-finite {side} loss {detail}; training stopped before applying it; {kept}"
        )


def _describe(value: object) -> str:
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)}"
    return type(value).__name__
