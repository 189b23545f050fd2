"""Inference-only rewrites of the first-order networks: same function, fewer operations.

:func:`inference_copy` returns an eval-mode copy of a network in which

* every convolution followed by a BatchNorm (down/up/same blocks, and ``conv1 -> norm2`` inside residual
  blocks) has the normalisation folded into its weights;
* every "nearest 2x upsample -> 3x3 conv" up block is computed as four 2x2 convolutions on the low-resolution
  input, one per output phase (sub-pixel form): the upsampled image repeats each pixel, so each phase sees
  a 2x2 neighbourhood whose 3x3 weights can be summed beforehand. That is 16 instead of 36 multiply-adds per
  input/output channel pair and input pixel.

The results equal the original networks' up to float rounding (about 1e-6 relative).
"""
from __future__ import annotations

import copy
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

from motionkit.nn import DownBlock2d, ResBlock2d, SameBlock2d, UpBlock2d

# rows of the 3x3 kernel that land on low-resolution rows (i - 1, i) for even output rows and (i, i + 1) for odd
_PHASE_TAPS = (torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]]), torch.tensor([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]]))


class SubpixelUpBlock(nn.Module):
    """``relu(conv3x3(upsample_nearest_2x(x)))`` (BatchNorm already folded) computed at low resolution:
    ``(B, C_in, H, W)`` -> ``(B, C_out, 2H, 2W)``."""

    def __init__(self, conv: nn.Conv2d) -> None:
        super().__init__()
        if conv.kernel_size != (3, 3) or conv.padding != (1, 1) or conv.groups != 1 or conv.stride != (1, 1):
            raise ValueError(f"SubpixelUpBlock needs a 3x3, padding 1, ungrouped convolution, got {conv}")
        weight = conv.weight.detach()
        kernels = [
            _PHASE_TAPS[a].to(weight) @ weight @ _PHASE_TAPS[b].to(weight).T for a in (0, 1) for b in (0, 1)
        ]  # each (C_out, C_in, 2, 2)
        self.out_channels = weight.shape[0]
        self.weight = nn.Parameter(torch.cat(kernels), requires_grad=False)
        bias = conv.bias.detach() if conv.bias is not None else weight.new_zeros(weight.shape[0])
        self.bias = nn.Parameter(bias.repeat(4), requires_grad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, _, height, width = x.shape
        out = F.conv2d(F.pad(x, (1, 1, 1, 1)), self.weight, self.bias)  # (B, 4 * C_out, H + 1, W + 1)
        phases = out.view(batch, 2, 2, self.out_channels, height + 1, width + 1)
        rows = [torch.stack([phases[:, a, b, :, a : a + height, b : b + width] for b in (0, 1)], dim=-1)
                for a in (0, 1)]  # each (B, C_out, H, W, 2)
        full = torch.stack(rows, dim=3)  # (B, C_out, H, 2, W, 2)
        return F.relu(full.reshape(batch, self.out_channels, 2 * height, 2 * width))


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
            replacement: nn.Module = SubpixelUpBlock(fuse_conv_bn_eval(child.conv, child.norm))
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
    """An eval-mode copy of ``network`` with folded normalisations and sub-pixel up blocks (see module doc).

    ``conv_dtype`` (e.g. ``torch.bfloat16``): store the convolution weights in that dtype, for use under
    ``torch.autocast`` with the same dtype (autocast then does not re-cast them on every call; the remaining
    normalisations keep float32 parameters). ``channels_last``: convolution weights in channels-last memory
    format, which oneDNN runs faster on CPUs (feed channels-last inputs too). The copy is for inference only
    (its parameters do not require gradients); ``network`` is unchanged.
    """
    clone = copy.deepcopy(network).eval()
    _fold(clone)
    for module in clone.modules():
        if isinstance(module, (nn.Conv2d, SubpixelUpBlock)):
            if conv_dtype is not None:
                module.to(conv_dtype)
            if channels_last:
                module.to(memory_format=torch.channels_last)
    return clone.requires_grad_(False)
