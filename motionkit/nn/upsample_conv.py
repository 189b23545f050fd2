"""Nearest 2x upsampling followed by a 3x3 convolution, computed in the cheapest equal form.

``conv3x3(upsample_nearest_2x(x))`` repeats every input pixel four times before convolving, so each output
pixel sees a 2x2 input neighbourhood: the pair is one stride-2 transposed convolution with a 4x4 kernel
made of sums of the 3x3 taps (16 instead of 36 multiply-adds per channel pair and input pixel, and no
upsampled copy of the input). On tiny maps the work is bound by reading the weights instead, where the
plain form (and, on the smallest maps, one matrix product: :mod:`motionkit.nn.matmul_conv`) is faster. Every form computes the same function up to float rounding and is differentiable in the input
and the weights.

Measured on this project's 2-core CPU (two threads, float32, batch 1, no grad; ``benchmarks/`` has the
model-level numbers): 256->128 channels at 64x64 input 31 ms plain -> 15 ms transposed; 2048->512 at 4x4
16.6 ms plain -> 6.2 ms matrix product; 1024->256 at 8x8 the plain form is the fastest. With gradients
(batch 2) 256->128 at 64x64 takes 257 ms plain -> 136 ms transposed.
"""
from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F

from .matmul_conv import conv3x3_matmul, prefers_matmul

#: inputs with at least this many pixels use the transposed convolution
TRANSPOSED_MIN_PIXELS = 256

# _TAPS[k, j] = 1 where tap j of the 3x3 kernel lands on tap k of the 4x4 transposed kernel (one axis):
# even outputs take input i - 1 by tap 0 and input i by taps 1 + 2; odd outputs input i by taps 0 + 1 and
# input i + 1 by tap 2; transposed-conv tap k multiplies input i for output 2i + k - 1.
_TAPS = ((0.0, 0.0, 1.0), (0.0, 1.0, 1.0), (1.0, 1.0, 0.0), (1.0, 0.0, 0.0))


def upsample_conv_transposed_weight(weight: torch.Tensor) -> torch.Tensor:
    """The 4x4 kernel ``(C_in, C_out, 4, 4)`` of the stride-2, padding-1 transposed convolution equal to a
    padding-1 3x3 convolution ``weight (C_out, C_in, 3, 3)`` applied after nearest 2x upsampling."""
    if weight.dim() != 4 or weight.shape[2:] != (3, 3):
        raise ValueError(f"weight must be (C_out, C_in, 3, 3), got {tuple(weight.shape)}")
    taps = torch.tensor(_TAPS, dtype=weight.dtype, device=weight.device)
    return torch.einsum("ky,oiyx,lx->iokl", taps, weight, taps)


def upsample_conv3x3(x: torch.Tensor, weight: torch.Tensor, bias: Optional[torch.Tensor] = None, *,
                     transposed_weight: Optional[torch.Tensor] = None) -> torch.Tensor:
    """``conv2d(interpolate(x, scale_factor=2, mode="nearest"), weight, bias, padding=1)``:
    ``x (B, C_in, H, W)``, ``weight (C_out, C_in, 3, 3)`` -> ``(B, C_out, 2H, 2W)``.

    ``transposed_weight``: :func:`upsample_conv_transposed_weight` of ``weight``, precomputed (inference
    copies keep it; otherwise it is derived from ``weight`` when needed, so gradients reach ``weight``).
    """
    if x.dim() != 4 or weight.dim() != 4 or x.shape[1] != weight.shape[1] or weight.shape[2:] != (3, 3):
        raise ValueError(f"upsample_conv3x3: x must be (B, C_in, H, W) and weight (C_out, C_in, 3, 3), "
                         f"got x {tuple(x.shape)} and weight {tuple(weight.shape)}")
    batch, _, height, width = x.shape
    pixels = height * width
    if pixels >= TRANSPOSED_MIN_PIXELS:
        if transposed_weight is None:
            transposed_weight = upsample_conv_transposed_weight(weight)
        return F.conv_transpose2d(x, transposed_weight, bias, stride=2, padding=1)
    upsampled = F.interpolate(x, scale_factor=2, mode="nearest")
    if prefers_matmul(upsampled, weight):
        return conv3x3_matmul(upsampled, weight, bias)
    return F.conv2d(upsampled, weight, bias, padding=1)
