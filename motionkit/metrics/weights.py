"""Pretrained networks a metric needs come from files the user names; nothing is downloaded."""
from __future__ import annotations

import hashlib
import warnings
from pathlib import Path
from typing import Optional, Union

import torch

from ..errors import CheckpointError, MissingWeightsError

PathLike = Union[str, Path]


def require_weights(path: Optional[PathLike], metric: str, expected: str) -> Path:
    """``path`` as an existing file, else :class:`MissingWeightsError` naming the file to provide.

    :param expected: what the file is, e.g. ``"inception-2015-12-05.pt (TorchScript Inception-v3)"``.
    """
    if path is None:
        raise MissingWeightsError(f"{metric} needs the network weights file {expected}; pass its path")
    path = Path(path)
    if not path.is_file():
        raise MissingWeightsError(f"{metric}: weights file {path} not found (expected {expected})")
    return path


def file_sha256(path: PathLike) -> str:
    """Hex SHA-256 of a file (recorded in evaluation results to identify the weights used)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_torchscript(path: Path, metric: str) -> torch.jit.ScriptModule:
    """Load a TorchScript network (no Python pickle is executed) on the CPU, in eval mode."""
    try:
        with warnings.catch_warnings():  # torch deprecates TorchScript, the format these networks ship in
            warnings.simplefilter("ignore", DeprecationWarning)
            module = torch.jit.load(str(path), map_location="cpu")
    except Exception as exc:  # torch raises RuntimeError/ValueError variants for non-TorchScript files
        raise CheckpointError(f"{metric}: {path} is not a TorchScript file ({type(exc).__name__}: {str(exc)[:200]})") from None
    return module.eval()
