"""Exact resumption after SIGKILL, and checkpoints that survive a kill while saving (subprocess tests)."""
from __future__ import annotations

import random
import signal

import torch
from safetensors.torch import load_file

import motionkit
from motionkit.training import train
from motionkit.training.checkpoints import latest_checkpoint, load_checkpoint_state
from motionkit.training.scalars import read_scalars

from training_helpers import run_subprocess

STEPS = 12
TRAIN = {"steps": STEPS, "checkpoint_every": 3, "grad_clip": 1.0, "sample_every": 5}
MODEL = {"noise": 0.1}  # draws from the torch RNG every step
DATA = {"jitter": 0.05}


def assert_same_weights(a, b) -> None:
    wa, wb = load_file(str(a)), load_file(str(b))
    assert wa.keys() == wb.keys()
    different = [k for k in wa if not torch.equal(wa[k], wb[k])]
    assert not different, f"weights differ bitwise in {different}"


def test_sigkill_at_a_random_step_then_resume_gives_bitwise_identical_weights(tiny, write_config, tmp_path) -> None:
    path = write_config(train=TRAIN, model=MODEL, data=DATA)
    reference = train(str(path), out=tmp_path / "reference", show_progress=False)

    kill_step = random.randrange(1, STEPS)  # 0-based step during which the process dies
    run = tmp_path / "killed"
    result = run_subprocess("train", str(path), "--out", str(run), "--no-progress",
                            env={"TINY_KILL_AT_STEP": str(kill_step)}, check=False)
    assert result.returncode == -signal.SIGKILL, f"kill at step {kill_step}: {result.stderr[-2000:]}"
    assert not (run / "final.safetensors").exists()
    found = latest_checkpoint(run)
    expected = (kill_step // 3) * 3
    assert (found[0] if found else 0) == expected, f"kill at step {kill_step}"

    if found is None:  # killed before the first checkpoint: a fresh start is the only way on
        resumed = train(str(path), out=tmp_path / "fresh", show_progress=False)
    else:
        resumed = train(str(path), out=run, resume=True, show_progress=False)
    assert_same_weights(reference, resumed)
    ref_log, run_log = read_scalars(tmp_path / "reference" / "scalars.csv"), read_scalars(resumed.parent / "scalars.csv")
    assert ref_log == run_log, f"kill at step {kill_step}: logged scalars differ"


def test_kill_while_saving_leaves_the_previous_checkpoint_loadable(tiny, write_config, tmp_path) -> None:
    path = write_config(train={"steps": 8, "checkpoint_every": 2}, model=MODEL, data=DATA)
    run = tmp_path / "run"
    # the 2nd checkpoint (step 4) dies halfway through its state file
    result = run_subprocess("train", str(path), "--out", str(run), "--no-progress",
                            env={"TINY_KILL_IN_SAVE": "2"}, check=False)
    assert result.returncode == -signal.SIGKILL, result.stderr[-2000:]
    assert [p.name for p in (run / "checkpoints").iterdir() if p.name.startswith(".step-00000004")], "no partial save"
    step, folder = latest_checkpoint(run)
    assert step == 2
    assert load_checkpoint_state(folder)["step"] == 2
    motionkit.load_method(folder / "weights.safetensors", expected_method="tiny")

    resumed = train(str(path), out=run, resume=True, show_progress=False)
    assert not [p for p in (run / "checkpoints").iterdir() if p.name.startswith(".")], "stale temp folder kept"
    reference = train(str(path), out=tmp_path / "reference", show_progress=False)
    assert_same_weights(reference, resumed)
