"""Convolution blocks of the first-order motion model's layout (conv -> BatchNorm -> ReLU variants).

Parameter names (``conv``, ``norm``, ``conv1``/``norm1``, ...) follow the official first-order-model
checkpoints, so their state dicts load without renaming. Every block keeps the input's device and dtype.
"""
from __future__ import annotations

from typing import Union

import torch
import torch.nn.functional as F
from torch import nn

from .matmul_conv import conv3x3, is_plain_conv3x3
from .upsample_conv import upsample_conv3x3

IntPair = Union[int, tuple[int, int]]


class ResBlock2d(nn.Module):
    """Pre-activation residual block keeping ``(B, C, H, W)``: ``x + conv2(relu(norm2(conv1(relu(norm1(x))))))``."""

    def __init__(self, in_features: int, kernel_size: IntPair = 3, padding: IntPair = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_features, in_features, kernel_size=kernel_size, padding=padding)
        self.conv2 = nn.Conv2d(in_features, in_features, kernel_size=kernel_size, padding=padding)
        self.norm1 = nn.BatchNorm2d(in_features, affine=True)
        self.norm2 = nn.BatchNorm2d(in_features, affine=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv1(F.relu(self.norm1(x)))
        out = self.conv2(F.relu(self.norm2(out)))
        return out + x


class UpBlock2d(nn.Module):
    """Nearest 2x upsampling, then conv -> BatchNorm -> ReLU: ``(B, C_in, H, W)`` -> ``(B, C_out, 2H, 2W)``.

    A 3x3, padding-1 convolution runs fused with the upsampling (:func:`motionkit.nn.upsample_conv3x3`:
    same result, about half the work).
    """

    def __init__(self, in_features: int, out_features: int, kernel_size: IntPair = 3, padding: IntPair = 1,
                 groups: int = 1) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_features, out_features, kernel_size=kernel_size, padding=padding, groups=groups)
        self.norm = nn.BatchNorm2d(out_features, affine=True)
        self.fused = is_plain_conv3x3(self.conv)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.fused:
            out = upsample_conv3x3(x, self.conv.weight, self.conv.bias)
        else:
            out = self.conv(F.interpolate(x, scale_factor=2))
        return F.relu(self.norm(out))


class DownBlock2d(nn.Module):
    """conv -> BatchNorm -> ReLU -> 2x2 average pooling: ``(B, C_in, H, W)`` -> ``(B, C_out, H/2, W/2)``.

    On maps so small that the weights dominate, a 3x3 convolution runs as one matrix product
    (:func:`motionkit.nn.conv3x3`: same result).
    """

    def __init__(self, in_features: int, out_features: int, kernel_size: IntPair = 3, padding: IntPair = 1,
                 groups: int = 1) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_features, out_features, kernel_size=kernel_size, padding=padding, groups=groups)
        self.norm = nn.BatchNorm2d(out_features, affine=True)
        self.pool = nn.AvgPool2d(kernel_size=(2, 2))
        self.plain3x3 = is_plain_conv3x3(self.conv)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = conv3x3(x, self.conv) if self.plain3x3 else self.conv(x)
        return self.pool(F.relu(self.norm(out)))


class SameBlock2d(nn.Module):
    """conv -> BatchNorm -> ReLU keeping the resolution: ``(B, C_in, H, W)`` -> ``(B, C_out, H, W)``."""

    def __init__(self, in_features: int, out_features: int, groups: int = 1, kernel_size: IntPair = 3,
                 padding: IntPair = 1) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_features, out_features, kernel_size=kernel_size, padding=padding, groups=groups)
        self.norm = nn.BatchNorm2d(out_features, affine=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.norm(self.conv(x)))
