"""Checkpoint files: safe loading of official PyTorch checkpoints and motionkit's own format.

motionkit's format is a single ``.safetensors`` file whose metadata names the method and holds its
config, so ``load_method(path)`` rebuilds the method with no other file. Official checkpoints (pickles)
are read with ``torch.load(weights_only=True)``: a pickle that would run code is refused.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Mapping, Optional, Union

import torch
from torch import nn

from .errors import CheckpointError

FORMAT = "motionkit/1"
PathLike = Union[str, Path]


def load_official(path: PathLike) -> Any:
    """Load an official PyTorch checkpoint safely (tensors, dicts, lists, numbers only)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: checkpoint file not found")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises UnpicklingError, RuntimeError or others depending on the damage
        text = str(exc)
        if "weights_only" in text or "Unsupported global" in text or "GLOBAL" in text:
            first = next((line for line in text.splitlines() if "Unsupported" in line or "GLOBAL" in line), "")
            raise CheckpointError(
                f"{path}: refused: the pickle references code that loading would run ({first.strip()}); "
                "only plain tensors and containers are accepted"
            ) from None
        raise CheckpointError(f"{path}: not a readable PyTorch checkpoint ({type(exc).__name__}: {text.splitlines()[0] if text else ''})") from None


def strip_prefix(state: Mapping[str, torch.Tensor], prefix: str = "module.") -> dict[str, torch.Tensor]:
    """Remove ``prefix`` (as ``DataParallel`` adds) from every key that has it."""
    return {(k[len(prefix):] if k.startswith(prefix) else k): v for k, v in state.items()}


def load_state_strict(module: nn.Module, state: Mapping[str, torch.Tensor], *, source: str) -> None:
    """Load ``state`` into ``module``, refusing missing, unexpected or mis-shaped keys with their names."""
    own = module.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    wrong = [
        f"{k}: checkpoint {tuple(v.shape)} vs model {tuple(own[k].shape)}"
        for k, v in state.items()
        if k in own and tuple(v.shape) != tuple(own[k].shape)
    ]
    problems = []
    if missing:
        problems.append(f"missing keys ({len(missing)}): {', '.join(missing[:8])}{' ...' if len(missing) > 8 else ''}")
    if unexpected:
        problems.append(
            f"unexpected keys ({len(unexpected)}): {', '.join(unexpected[:8])}{' ...' if len(unexpected) > 8 else ''}"
        )
    if wrong:
        problems.append(f"wrong shapes ({len(wrong)}): {'; '.join(wrong[:8])}{' ...' if len(wrong) > 8 else ''}")
    if problems:
        raise CheckpointError(f"{source}: does not match {type(module).__name__}:\n  " + "\n  ".join(problems))
    module.load_state_dict(state, strict=True)


def atomic_write(path: PathLike, write) -> Path:
    """Call ``write(tmp_path)`` then rename onto ``path``: the final name never holds a partial file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def save_method(method: nn.Module, path: PathLike, extra: Optional[dict[str, str]] = None) -> Path:
    """Write a method's weights and config as one self-describing safetensors file (atomically)."""
    from safetensors.torch import save_file

    metadata = {
        "format": FORMAT,
        "method": method.name,
        "config": method.config.model_dump_json(),
        **(extra or {}),
    }
    state = {k: v.detach().cpu().contiguous() for k, v in method.state_dict().items()}
    return atomic_write(path, lambda tmp: save_file(state, str(tmp), metadata=metadata))


def read_metadata(path: PathLike) -> dict[str, str]:
    """The metadata of a safetensors file (empty dict if none)."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as f:
            return dict(f.metadata() or {})
    except Exception as exc:  # safetensors raises its own error types for damaged headers
        raise CheckpointError(f"{path}: not a readable safetensors file ({exc})") from None


def is_motionkit_checkpoint(path: PathLike) -> bool:
    """Whether ``path`` is a safetensors file written by :func:`save_method`."""
    path = Path(path)
    return path.suffix == ".safetensors" and path.is_file() and read_metadata(path).get("format") == FORMAT


def load_method(path: PathLike, *, expected_method: Optional[str] = None, device: Union[str, torch.device] = "cpu"):
    """Rebuild a method from a file written by :func:`save_method`."""
    from safetensors.torch import load_file

    from .plugins import get_registry

    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: checkpoint file not found")
    meta = read_metadata(path)
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a motionkit checkpoint (metadata format {meta.get('format')!r}, expected {FORMAT!r})")
    name = meta.get("method", "")
    if expected_method is not None and name != expected_method:
        raise CheckpointError(f"{path}: holds method '{name}', not '{expected_method}'")
    cls = get_registry().get("method", name)
    try:
        params = json.loads(meta["config"])
    except (KeyError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"{path}: metadata field 'config' is missing or not JSON ({exc})") from None
    method = cls(cls.build_config(params, source=str(path)))
    load_state_strict(method, load_file(str(path)), source=str(path))
    return method.to(device)
