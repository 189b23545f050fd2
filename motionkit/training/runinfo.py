"""What a run folder records beside its results: the resolved config and the software/hardware environment."""
from __future__ import annotations

import os
import platform
import socket
import sys
from pathlib import Path
from typing import Any

import torch
import yaml

from ..checkpoint import atomic_write
from .distributed import DistributedContext
from .precision import PrecisionPlan, cpu_bf16_flags


def write_yaml(path: Path, data: dict[str, Any]) -> Path:
    """Write ``data`` as YAML atomically (keys in insertion order)."""
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def environment_info(device: torch.device, precision: PrecisionPlan, ctx: DistributedContext) -> dict[str, Any]:
    """Versions, device, precision, threads and process layout of this run."""
    import numpy

    import motionkit

    from ..plugins import get_registry

    info: dict[str, Any] = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "host": socket.gethostname(),
        "motionkit": motionkit.__version__,
        "torch": str(torch.__version__),
        "numpy": numpy.__version__,
        "plugins": {p.name: p.version for p in get_registry().plugins.values() if not p.builtin},
        "device": str(device),
        "precision": precision.name,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "cpu_bf16_flags": list(cpu_bf16_flags()),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch_interop_threads": torch.get_num_interop_threads(),
        "world_size": ctx.world_size,
    }
    if device.type == "cuda":
        info["cuda"] = torch.version.cuda
        info["gpu"] = torch.cuda.get_device_name(device)
        info["cudnn"] = torch.backends.cudnn.version()
    return info
