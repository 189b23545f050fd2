"""Mixed precision: which dtype a run computes in, its autocast context and its gradient scaler.

* CPU: ``bf16`` autocast, fast on CPUs with AMX or AVX512-BF16 (``auto`` picks it only there); ``fp16``
  is refused (use bf16).
* CUDA: ``fp16`` autocast with a ``GradScaler``, or ``bf16`` autocast; ``auto`` prefers bf16 where the
  GPU supports it.
"""
from __future__ import annotations

import contextlib
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import ContextManager, Optional

import torch

from ..errors import ConfigError

CPU_BF16_FLAGS = ("amx_bf16", "avx512_bf16")


@lru_cache(maxsize=1)
def cpu_bf16_flags() -> tuple[str, ...]:
    """The bf16 instruction-set flags of this CPU (``amx_bf16``, ``avx512_bf16``) that Linux reports."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        flags: set[str] = set()
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.startswith("flags"):
                flags.update(line.split(":", 1)[1].split())
                break
        return tuple(f for f in CPU_BF16_FLAGS if f in flags)
    capability = torch.backends.cpu.get_cpu_capability()  # e.g. "AVX512" or "AMX" (no cpuinfo: macOS, ...)
    return ("amx_bf16",) if "AMX" in capability else ()


def cpu_supports_bf16() -> bool:
    """Whether this CPU computes bf16 natively (AMX or AVX512-BF16)."""
    return bool(cpu_bf16_flags())


@dataclass(frozen=True)
class PrecisionPlan:
    """The resolved precision of a run on one device."""

    name: str  # "fp32", "bf16" or "fp16"
    device_type: str  # "cpu" or "cuda"

    @property
    def dtype(self) -> Optional[torch.dtype]:
        """The autocast dtype (``None`` for fp32)."""
        return {"bf16": torch.bfloat16, "fp16": torch.float16}.get(self.name)

    def autocast(self) -> ContextManager:
        """The context the generator and discriminator steps run in."""
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device_type, dtype=self.dtype)

    def grad_scaler(self) -> Optional[torch.amp.GradScaler]:
        """A loss scaler for fp16 (``None`` otherwise: bf16 and fp32 need none)."""
        return torch.amp.GradScaler(self.device_type) if self.name == "fp16" else None


def resolve_precision(requested: str, device: torch.device) -> PrecisionPlan:
    """Turn the config's ``precision`` (fp32 | bf16 | fp16 | auto) into a plan for ``device``."""
    kind = device.type
    if kind not in ("cpu", "cuda"):
        if requested not in ("fp32", "auto"):
            raise ConfigError(f"train.precision: {requested} is supported on cpu and cuda, not {kind}")
        return PrecisionPlan("fp32", kind)
    if requested == "auto":
        if kind == "cuda":
            return PrecisionPlan("bf16" if torch.cuda.is_bf16_supported() else "fp16", kind)
        return PrecisionPlan("bf16" if cpu_supports_bf16() else "fp32", kind)
    if requested == "fp16" and kind == "cpu":
        raise ConfigError("train.precision: fp16 is for CUDA devices; on a CPU use bf16 (or auto)")
    if requested == "bf16" and kind == "cpu" and not cpu_supports_bf16():
        warnings.warn(
            "train.precision bf16: this CPU has neither AMX nor AVX512-BF16, so bf16 is emulated and slower "
            "than fp32; set precision: auto to choose fp32 here",
            RuntimeWarning,
            stacklevel=2,
        )
    if requested == "bf16" and kind == "cuda" and not torch.cuda.is_bf16_supported():
        raise ConfigError("train.precision: this GPU does not support bf16; use fp16 or auto")
    return PrecisionPlan(requested, kind)
