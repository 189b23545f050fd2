"""Training checkpoints in a run folder: ``<run>/checkpoints/step-00000100/``.

Each checkpoint folder holds

* ``weights.safetensors``: the method in motionkit's format (:func:`motionkit.checkpoint.save_method`,
  so ``motionkit.load_method`` and inference commands read it directly);
* ``state.pt``: step, resolved config, optimizer, scheduler and loss-scaler states, RNG states (per
  process) and the data position, readable with ``torch.load(weights_only=True)``.

A checkpoint is written into a hidden temporary folder that is renamed into place once complete, so a
process killed while saving leaves the previous checkpoints intact (the stale temporary folder is removed
on the next save or resume). Only the newest ``keep_last`` are kept.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any, Optional

import torch
from torch import nn

from ..checkpoint import load_state_strict, save_method
from ..errors import CheckpointError

STATE_FORMAT = "motionkit-train/1"
WEIGHTS_FILE = "weights.safetensors"
STATE_FILE = "state.pt"
_NAME = re.compile(r"^step-(\d{8,})$")


def checkpoint_dir(run_dir: Path) -> Path:
    """The folder holding a run's checkpoints."""
    return Path(run_dir) / "checkpoints"


def _is_complete(path: Path) -> bool:
    return (path / WEIGHTS_FILE).is_file() and (path / STATE_FILE).is_file()


def list_checkpoints(run_dir: Path) -> list[tuple[int, Path]]:
    """Complete checkpoints of a run as ``(step, folder)``, oldest first."""
    folder = checkpoint_dir(run_dir)
    if not folder.is_dir():
        return []
    found = []
    for child in folder.iterdir():
        match = _NAME.match(child.name)
        if match and child.is_dir() and _is_complete(child):
            found.append((int(match.group(1)), child))
    return sorted(found)


def latest_checkpoint(run_dir: Path) -> Optional[tuple[int, Path]]:
    """The newest complete checkpoint ``(step, folder)``, or ``None``."""
    found = list_checkpoints(run_dir)
    return found[-1] if found else None


def remove_stale(run_dir: Path) -> None:
    """Delete temporary folders left by a process killed while saving or pruning."""
    folder = checkpoint_dir(run_dir)
    if folder.is_dir():
        for child in folder.iterdir():
            if child.name.startswith(".") and child.is_dir():
                shutil.rmtree(child, ignore_errors=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _discard(path: Path) -> None:
    """Remove a checkpoint folder: renamed away first, so it never looks complete while half-deleted."""
    trash = Path(tempfile.mkdtemp(prefix=f".discard-{path.name}.", dir=path.parent))
    os.replace(path, trash / path.name)
    shutil.rmtree(trash, ignore_errors=True)


def save_checkpoint(run_dir: Path, step: int, method: nn.Module, state: dict[str, Any], keep_last: int) -> Path:
    """Write checkpoint ``step`` atomically and prune to the newest ``keep_last``; returns its folder."""
    folder = checkpoint_dir(run_dir)
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"step-{step:08d}"
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".tmp", dir=folder))
    try:
        save_method(method, tmp / WEIGHTS_FILE, extra={"step": str(step)})
        torch.save({"format": STATE_FORMAT, "step": step, **state}, tmp / STATE_FILE)
        for file in (tmp / WEIGHTS_FILE, tmp / STATE_FILE):
            _fsync(file)  # on disk before the rename makes the checkpoint visible (power-loss safety)
        if final.exists():
            _discard(final)
        os.replace(tmp, final)
        _fsync(folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    for _, old in list_checkpoints(run_dir)[:-keep_last]:
        _discard(old)
    return final


def load_checkpoint_state(path: Path) -> dict[str, Any]:
    """Read ``state.pt`` of a checkpoint folder (tensors and plain values only)."""
    file = Path(path) / STATE_FILE
    if not file.is_file():
        raise CheckpointError(f"{file}: checkpoint state file not found")
    try:
        state = torch.load(file, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several error types for damaged or foreign files
        raise CheckpointError(f"{file}: not a readable training state ({type(exc).__name__}: {exc})") from None
    if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
        raise CheckpointError(f"{file}: not a motionkit training state (expected format {STATE_FORMAT!r})")
    return state


def load_checkpoint_weights(path: Path, method: nn.Module) -> None:
    """Load ``weights.safetensors`` of a checkpoint folder into ``method`` (keys and shapes must match)."""
    from safetensors.torch import load_file

    file = Path(path) / WEIGHTS_FILE
    if not file.is_file():
        raise CheckpointError(f"{file}: checkpoint weights file not found")
    load_state_strict(method, load_file(str(file)), source=str(file))
