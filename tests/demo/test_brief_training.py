"""train_for_seconds: a time budget instead of a step count, per-group optimisers, loss history."""
from __future__ import annotations

import itertools
import time

import pytest
import torch

import motionkit as mk
from motionkit.demo import ProgressReporter
from motionkit.demo import brief_training
from motionkit.demo.brief_training import split_losses, train_for_seconds


class TinyAdversarial(mk.Method):
    """Fits a scalar to 3 with a 'discriminator' parameter pulled to 1; records progress calls."""

    name = "tiny"
    discriminator_groups = ("discriminator",)

    def __init__(self, step_seconds: float = 0.0) -> None:
        super().__init__()
        self.value = torch.nn.Parameter(torch.zeros(()))
        self.critic = torch.nn.Parameter(torch.zeros(()))
        self.step_seconds = step_seconds
        self.progress: list[tuple[int, int]] = []

    def parameter_groups(self):
        return {"generator": [self.value], "discriminator": [self.critic]}

    def set_training_progress(self, step: int, total_steps: int) -> None:
        self.progress.append((step, total_steps))

    def generator_step(self, batch):
        time.sleep(self.step_seconds)
        return mk.StepOutput(losses={"fit": (self.value - batch["target"]) ** 2}, outputs={"value": self.value * 1})

    def discriminator_step(self, batch, outputs):
        assert not outputs["value"].requires_grad  # outputs come detached
        return {"critic": (self.critic - 1) ** 2}


def test_trains_every_group_until_the_budget_and_records_losses(monkeypatch):
    ticks = itertools.count()
    # a deterministic clock: every reading is 10 ms after the previous one, so each step "takes" 10 ms
    monkeypatch.setattr(brief_training.time, "monotonic", lambda: next(ticks) * 0.01)
    method = TinyAdversarial()
    history = train_for_seconds(method, lambda: {"target": torch.tensor(3.0)}, 0.5, lr=0.1,
                                progress=ProgressReporter(1, enabled=False))
    assert history.seconds <= 0.5 + 0.01  # stops before a step would overrun the budget
    assert history.steps > 10 and len(history.losses["fit"]) == len(history.losses["critic"]) == history.steps
    assert method.value.item() == pytest.approx(3.0, abs=0.5) and method.critic.item() == pytest.approx(1.0, abs=0.3)
    assert history.losses["fit"][-1] < history.losses["fit"][0]
    assert split_losses(history) == ({"fit": history.losses["fit"]}, {"critic": history.losses["critic"]})
    steps, totals = zip(*method.progress)
    assert list(steps) == list(range(history.steps))
    assert totals[-1] == pytest.approx(history.steps, rel=0.3)  # the extrapolated plan matched reality
    assert not method.training


def test_runs_one_step_even_without_time_and_stops_on_non_finite_loss():
    method = TinyAdversarial()
    history = train_for_seconds(method, lambda: {"target": torch.tensor(3.0)}, 0.0, lr=0.1,
                                progress=ProgressReporter(1, enabled=False))
    assert history.steps == 1
    with pytest.raises(FloatingPointError, match="non-finite training loss"):
        train_for_seconds(method, lambda: {"target": torch.tensor(float("nan"))}, 1.0, lr=0.1,
                          progress=ProgressReporter(1, enabled=False))


def test_schedule_runs_over_the_planned_steps(monkeypatch):
    from motionkit.training.config import ScheduleConfig

    ticks = itertools.count()
    monkeypatch.setattr(brief_training.time, "monotonic", lambda: next(ticks) * 0.01)
    method = TinyAdversarial()
    seen: list[float] = []
    original = torch.optim.Adam.step

    def recording_step(self, *args, **kwargs):
        seen.append(self.param_groups[0]["lr"])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Adam, "step", recording_step)
    history = train_for_seconds(method, lambda: {"target": torch.tensor(3.0)}, 0.5, lr=0.1,
                                progress=ProgressReporter(1, enabled=False), schedule=ScheduleConfig(kind="cosine"))
    generator_lrs = seen[::2]  # generator then discriminator optimizer each step
    assert len(generator_lrs) == history.steps and generator_lrs[0] == pytest.approx(0.1)
    assert all(a >= b for a, b in zip(generator_lrs, generator_lrs[1:]))  # decreasing
    assert generator_lrs[-1] < 0.02  # near the end of the cosine


def test_precision_autocasts_both_steps_and_refuses_fp16():
    from motionkit.training.precision import PrecisionPlan

    states: list[bool] = []

    class Recording(TinyAdversarial):
        def generator_step(self, batch):
            states.append(torch.is_autocast_enabled("cpu"))
            return super().generator_step(batch)

        def discriminator_step(self, batch, outputs):
            states.append(torch.is_autocast_enabled("cpu"))
            return super().discriminator_step(batch, outputs)

    train_for_seconds(Recording(), lambda: {"target": torch.tensor(3.0)}, 0.0, lr=0.1,
                      progress=ProgressReporter(1, enabled=False), precision=PrecisionPlan("bf16", "cpu"))
    assert states == [True, True]
    with pytest.raises(ValueError, match="not fp16"):
        train_for_seconds(Recording(), lambda: {"target": torch.tensor(3.0)}, 0.0, lr=0.1,
                          progress=ProgressReporter(1, enabled=False), precision=PrecisionPlan("fp16", "cuda"))


def test_max_steps_ends_training_early_and_caps_the_plan():
    method = TinyAdversarial()
    history = train_for_seconds(method, lambda: {"target": torch.tensor(3.0)}, 60.0, lr=0.1,
                                progress=ProgressReporter(1, enabled=False), max_steps=4)
    assert history.steps == 4 and history.seconds < 60
    assert max(total for _, total in method.progress) <= 4
    with pytest.raises(ValueError, match="max_steps must be at least 1"):
        train_for_seconds(method, lambda: {"target": torch.tensor(3.0)}, 1.0, lr=0.1,
                          progress=ProgressReporter(1, enabled=False), max_steps=0)


def test_training_options_come_from_the_train_section():
    from motionkit.demo.brief_training import training_options
    from motionkit.training.config import TrainConfig

    train = TrainConfig(optimizer={"lr": 3e-4, "betas": [0.9, 0.99], "schedule": {"kind": "cosine"}}, precision="fp32")
    options = training_options(train, torch.device("cpu"))
    assert options["lr"] == 3e-4 and options["betas"] == (0.9, 0.99)
    assert options["schedule"].kind == "cosine" and options["precision"].name == "fp32"
    history = train_for_seconds(TinyAdversarial(), lambda: {"target": torch.tensor(3.0)}, 0.0,
                                progress=ProgressReporter(1, enabled=False), **options)
    assert history.steps == 1
