"""Two CPU processes under torchrun (gloo) follow the same loss trajectory as one process with the same
global batch."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file

from motionkit.training import train
from motionkit.training.scalars import read_scalars

from training_helpers import RUNNER


def test_two_processes_match_one_process_with_the_same_global_batch(tiny, write_config, tmp_path) -> None:
    path = write_config(train={"steps": 5, "batch_size": 4, "checkpoint_every": 5, "grad_clip": 1.0})
    single = train(str(path), out=tmp_path / "single", show_progress=False)

    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
               str(RUNNER), "train", str(path), "--out", str(tmp_path / "ddp"), "--no-progress", "--device", "cpu"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]

    one, two = read_scalars(tmp_path / "single" / "scalars.csv"), read_scalars(tmp_path / "ddp" / "scalars.csv")
    for name in ("generator/reconstruction", "generator/adversarial", "discriminator/hinge", "grad_norm/generator"):
        steps_one, values_one = zip(*one[name])
        steps_two, values_two = zip(*two[name])
        assert steps_one == steps_two == (1, 2, 3, 4, 5)
        assert values_two == pytest.approx(values_one, rel=1e-5, abs=1e-6), name
    weights_one, weights_two = load_file(str(single)), load_file(str(tmp_path / "ddp" / "final.safetensors"))
    for key in weights_one:
        torch.testing.assert_close(weights_two[key], weights_one[key], rtol=1e-5, atol=1e-6)
    environment = (tmp_path / "ddp" / "environment.yaml").read_text()
    assert "world_size: 2" in environment
