"""A reduced-precision copy of a network for fast inference: weights in bfloat16 (CPU) or float16 (CUDA),
normalisation layers kept in float32 (their statistics are sums over whole feature maps).

On CPU the copy's weights are also stored channels-last: oneDNN's bfloat16 convolutions produce
channels-last outputs, and with contiguous weights every following normalisation or padding layer copied
them back (36% of the time). Measured on this project's CPU, one thread, label2city_2048 scale-0 generator
at 512x256 (``benchmarks/vid2vid_speed.py``): float32 15.2 s per frame, bfloat16 4.3 s with contiguous
weights, 2.5 s channels-last. ``torch.autocast`` was slower than a bfloat16 copy because it casts every
weight at every call.
"""
from __future__ import annotations

import copy

import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.instancenorm import _InstanceNorm


def low_precision_copy(module: nn.Module, dtype: torch.dtype) -> nn.Module:
    """A copy of ``module`` in ``dtype`` whose BatchNorm/InstanceNorm layers stay float32 (and whose
    convolution weights are channels-last on CPU; inputs may have any layout)."""
    if dtype not in (torch.bfloat16, torch.float16):
        raise ValueError(f"dtype must be torch.bfloat16 or torch.float16, got {dtype}")
    clone = copy.deepcopy(module).to(dtype)
    for layer in clone.modules():
        if isinstance(layer, (_BatchNorm, _InstanceNorm)):
            layer.float()
    if all(p.device.type == "cpu" for p in clone.parameters()):
        clone.to(memory_format=torch.channels_last)
    return clone
