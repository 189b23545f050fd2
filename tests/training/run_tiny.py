"""Subprocess entry for engine tests: ``python run_tiny.py train CONFIG ...`` with the tiny plugin loaded.

Faults for the robustness tests, from the environment:

* ``TINY_KILL_AT_STEP=K``: SIGKILL this process inside the generator step of step K (0-based).
* ``TINY_KILL_IN_SAVE=N``: SIGKILL this process halfway through writing the N-th checkpoint state file.
"""
from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402

import tiny_plugin  # noqa: E402
from motionkit.cli import main  # noqa: E402
from motionkit.plugins import set_registry  # noqa: E402
from motionkit.testing import fresh_registry  # noqa: E402


def _kill_at_step(step: int) -> None:
    original = tiny_plugin.TinyMethod.generator_step

    def generator_step(self, batch):
        if self.step == step:
            os.kill(os.getpid(), signal.SIGKILL)
        return original(self, batch)

    tiny_plugin.TinyMethod.generator_step = generator_step


def _kill_in_save(nth: int) -> None:
    from motionkit.training import checkpoints

    calls = {"n": 0}
    real_save = torch.save

    def partial_save(obj, path, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == nth:
            Path(path).write_bytes(b"PK\x03\x04 half a file")
            os.kill(os.getpid(), signal.SIGKILL)
        return real_save(obj, path, *args, **kwargs)

    checkpoints.torch.save = partial_save


if __name__ == "__main__":
    registry = fresh_registry()
    registry.add_plugin(tiny_plugin.TinyPlugin(), "tiny-plugin")
    set_registry(registry)
    if "TINY_KILL_AT_STEP" in os.environ:
        _kill_at_step(int(os.environ["TINY_KILL_AT_STEP"]))
    if "TINY_KILL_IN_SAVE" in os.environ:
        _kill_in_save(int(os.environ["TINY_KILL_IN_SAVE"]))
    sys.exit(main(sys.argv[1:]))
