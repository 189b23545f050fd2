"""A 3x3, padding-1 convolution as one matrix product, for maps so small that reading the weights dominates.

At the bottom of an hourglass (4x4 and 8x8 maps with 512-2048 channels) a convolution moves megabytes of
weights for a few dozen output pixels, and oneDNN's convolution kernels (and, for channels-last weights,
their layout conversions in the backward pass) are slow there. As a matrix product the same work is
``weight (C_out, 9 C_in) @ columns (9 C_in, B H W)``, which BLAS runs near memory speed forwards and
backwards. The columns are taken in the order the weight has in memory (``C_in, kh, kw`` for a contiguous
weight, ``kh, kw, C_in`` for a channels-last one), so the weight is only viewed, never copied.

Measured on this project's CPU (one thread, float32, batch 2, forward + backward): 1024->1024 channels at
4x4 120 ms (channels-last convolution) -> 38 ms; 512->1024 at 4x4 43 -> 10 ms; 2048->512 at 8x8 155 ->
107 ms; at 16x16 (512->512) the convolution is faster (46 vs 58 ms), which :func:`prefers_matmul` encodes.
"""
from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F

#: the product form is used when the reduction length (9 C_in) is at least this many times the number of
#: output pixels (B H W); below it oneDNN's convolution is as fast or faster
MATMUL_MIN_RATIO = 100


def prefers_matmul(x: torch.Tensor, weight: torch.Tensor) -> bool:
    """Whether :func:`conv3x3_matmul` beats a convolution for ``x (B, C_in, H, W)`` and a 3x3 ``weight``."""
    batch, _, height, width = x.shape
    return weight.shape[1] * 9 >= MATMUL_MIN_RATIO * batch * height * width


def conv3x3_matmul(x: torch.Tensor, weight: torch.Tensor, bias: Optional[torch.Tensor] = None) -> torch.Tensor:
    """``conv2d(x, weight, bias, padding=1)`` as one matrix product: ``x (B, C_in, H, W)``, ``weight
    (C_out, C_in, 3, 3)`` (contiguous or channels-last) -> ``(B, C_out, H, W)`` (contiguous).

    Equal to the convolution up to float rounding and differentiable in ``x``, ``weight`` and ``bias``.
    """
    if x.dim() != 4 or weight.dim() != 4 or weight.shape[2:] != (3, 3) or x.shape[1] != weight.shape[1]:
        raise ValueError(f"conv3x3_matmul: x must be (B, C_in, H, W) and weight (C_out, C_in, 3, 3), "
                         f"got x {tuple(x.shape)} and weight {tuple(weight.shape)}")
    batch, channels, height, width = x.shape
    out_channels = weight.shape[0]
    if weight.is_contiguous():
        columns = F.unfold(x, kernel_size=3, padding=1)  # (B, C_in * 9, H W), channel-major
        matrix = weight.reshape(out_channels, channels * 9)
    else:  # channels-last weight: memory order (C_out, kh, kw, C_in)
        padded = F.pad(x, (1, 1, 1, 1))
        shifted = [padded[:, :, i:i + height, j:j + width] for i in range(3) for j in range(3)]
        columns = torch.stack(shifted, 1).reshape(batch, 9 * channels, height * width)
        matrix = weight.permute(0, 2, 3, 1).reshape(out_channels, 9 * channels)
    out = matrix @ columns
    if bias is not None:
        out = out + bias[:, None].to(out.dtype)
    return out.view(batch, out_channels, height, width)


def is_plain_conv3x3(conv: torch.nn.Conv2d) -> bool:
    """Whether ``conv`` is a 3x3, padding-1 (zeros), stride-1, undilated, ungrouped convolution."""
    return (conv.kernel_size == (3, 3) and conv.padding == (1, 1) and conv.stride == (1, 1)
            and conv.dilation == (1, 1) and conv.groups == 1 and conv.padding_mode == "zeros")


def conv3x3(x: torch.Tensor, conv: torch.nn.Conv2d) -> torch.Tensor:
    """``conv(x)`` for a :func:`is_plain_conv3x3` ``conv``: a matrix product where that is faster
    (:func:`prefers_matmul`), else the convolution itself."""
    if prefers_matmul(x, conv.weight):
        return conv3x3_matmul(x, conv.weight, conv.bias)
    return conv(x)
