"""Inference-only rewrites of the first-order networks: same function, fewer operations.

:func:`inference_copy` returns an eval-mode copy of a network in which every convolution followed by a
BatchNorm (down/up/same blocks, and ``conv1 -> norm2`` inside residual blocks) has the normalisation
folded into its weights, and every up block keeps the transposed-convolution kernel of its fused
upsample + convolution (:func:`motionkit.nn.upsample_conv3x3`) instead of deriving it on every call.

The results equal the original networks' up to float rounding (about 1e-6 relative).
"""
from __future__ import annotations

import copy
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

from motionkit.nn import DownBlock2d, ResBlock2d, SameBlock2d, UpBlock2d, upsample_conv3x3, upsample_conv_transposed_weight


class FoldedUpBlock(nn.Module):
    """``relu(conv3x3(upsample_nearest_2x(x)))`` with the BatchNorm folded into ``conv``:
    ``(B, C_in, H, W)`` -> ``(B, C_out, 2H, 2W)``."""

    def __init__(self, conv: nn.Conv2d) -> None:
        super().__init__()
        if conv.kernel_size != (3, 3) or conv.padding != (1, 1) or conv.groups != 1 or conv.stride != (1, 1):
            raise ValueError(f"FoldedUpBlock needs a 3x3, padding 1, ungrouped convolution, got {conv}")
        weight = conv.weight.detach()
        self.weight = nn.Parameter(weight.clone(), requires_grad=False)
        self.transposed_weight = nn.Parameter(upsample_conv_transposed_weight(weight), requires_grad=False)
        bias = conv.bias.detach() if conv.bias is not None else weight.new_zeros(weight.shape[0])
        self.bias = nn.Parameter(bias.clone(), requires_grad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(upsample_conv3x3(x, self.weight, self.bias, transposed_weight=self.transposed_weight))


class _ConvReLU(nn.Module):
    """conv -> ReLU (-> 2x2 average pooling): a down/same block with its BatchNorm folded."""

    def __init__(self, conv: nn.Conv2d, pool: bool) -> None:
        super().__init__()
        self.conv = conv
        self.pool = pool

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.conv(x))
        return F.avg_pool2d(out, (2, 2)) if self.pool else out


def _fold(module: nn.Module) -> nn.Module:
    for name, child in list(module.named_children()):
        if isinstance(child, UpBlock2d):
            replacement: nn.Module = FoldedUpBlock(fuse_conv_bn_eval(child.conv, child.norm))
        elif isinstance(child, (DownBlock2d, SameBlock2d)):
            replacement = _ConvReLU(fuse_conv_bn_eval(child.conv, child.norm), pool=isinstance(child, DownBlock2d))
        elif isinstance(child, ResBlock2d):
            child.conv1 = fuse_conv_bn_eval(child.conv1, child.norm2)
            child.norm2 = nn.Identity()
            replacement = child
        else:
            replacement = _fold(child)
        setattr(module, name, replacement)
    return module


@torch.no_grad()
def inference_copy(network: nn.Module, *, conv_dtype: Optional[torch.dtype] = None,
                   channels_last: bool = False) -> nn.Module:
    """An eval-mode copy of ``network`` with folded normalisations and precomputed up blocks (see module doc).

    ``conv_dtype`` (e.g. ``torch.bfloat16``): store the convolution weights in that dtype, for use under
    ``torch.autocast`` with the same dtype (autocast then does not re-cast them on every call; the remaining
    normalisations keep float32 parameters). ``channels_last``: convolution weights in channels-last memory
    format, which oneDNN runs faster on CPUs (feed channels-last inputs too). The copy is for inference only
    (its parameters do not require gradients); ``network`` is unchanged.
    """
    clone = copy.deepcopy(network).eval()
    _fold(clone)
    for module in clone.modules():
        if isinstance(module, (nn.Conv2d, FoldedUpBlock)) and conv_dtype is not None:
            module.to(conv_dtype)
        if channels_last and isinstance(module, nn.Conv2d):
            module.to(memory_format=torch.channels_last)
        elif channels_last and isinstance(module, FoldedUpBlock):
            # the plain and matrix-product forms (small maps) read ``weight`` fastest as it is
            module.transposed_weight.data = module.transposed_weight.data.contiguous(memory_format=torch.channels_last)
    return clone.requires_grad_(False)
