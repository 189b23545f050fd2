"""A reduced-precision copy of a network for fast inference: weights in bfloat16 (CPU) or float16 (CUDA),
normalisation layers kept in float32 (their statistics are sums over whole feature maps).

Measured on this project's CPU (one thread): the label2city_2048 scale-0 generator at 512x256 takes 5.9 s
per frame in bfloat16 vs 17.9 s in float32, PSNR 48.8 dB against it (``benchmarks/vid2vid_speed.py``);
``torch.autocast`` was slower because it casts every weight at every call.
"""
from __future__ import annotations

import copy

import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.instancenorm import _InstanceNorm


def low_precision_copy(module: nn.Module, dtype: torch.dtype) -> nn.Module:
    """A copy of ``module`` in ``dtype`` whose BatchNorm/InstanceNorm layers stay float32."""
    if dtype not in (torch.bfloat16, torch.float16):
        raise ValueError(f"dtype must be torch.bfloat16 or torch.float16, got {dtype}")
    clone = copy.deepcopy(module).to(dtype)
    for layer in clone.modules():
        if isinstance(layer, (_BatchNorm, _InstanceNorm)):
            layer.float()
    return clone
