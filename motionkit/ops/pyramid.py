"""Anti-aliased downsampling and image pyramids.

:class:`AntiAliasDownsample` is the first-order motion model's band-limited downsampling
(``AntiAliasInterpolation2d``): a depthwise Gaussian blur with ``sigma = (1 / scale - 1) / 2``
and kernel size ``2 * round(4 * sigma) + 1``, then keeping every ``int(1 / scale)``-th pixel.
The kernel is a persistent buffer named ``weight`` because official checkpoints store it
(``down.weight``); it is built with the same float32 arithmetic, so it loads and computes
bit-identically.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from motionkit.ops._validation import check_shape


def gaussian_kernel(scale: float) -> Tensor:
    """Normalised 2-D Gaussian kernel ``(k, k)`` float32 for downsampling by ``scale`` in ``(0, 1)``."""
    sigma = (1 / scale - 1) / 2
    size = 2 * round(sigma * 4) + 1
    center = (size - 1) / 2
    rows, cols = torch.meshgrid(
        torch.arange(size, dtype=torch.float32), torch.arange(size, dtype=torch.float32), indexing="ij"
    )
    kernel = torch.exp(-((rows - center) ** 2) / (2 * sigma**2))
    kernel = kernel * torch.exp(-((cols - center) ** 2) / (2 * sigma**2))
    return kernel / torch.sum(kernel)


class AntiAliasDownsample(nn.Module):
    """Blur-then-subsample ``(B, C, H, W)`` -> ``(B, C, ceil(H / s), ceil(W / s))`` with ``s = int(1 / scale)``.

    ``scale == 1`` returns the input unchanged (and registers no kernel). The kernel follows
    the input's device and dtype at call time.
    """

    weight: Tensor

    def __init__(self, channels: int, scale: float) -> None:
        super().__init__()
        if not isinstance(channels, int) or channels < 1:
            raise ValueError(f"channels must be a positive int, got {channels!r}")
        if not 0 < scale <= 1:
            raise ValueError(f"scale must be in (0, 1], got {scale!r}")
        self.channels = channels
        self.scale = scale
        self.step = int(1 / scale)
        if scale != 1:
            kernel = gaussian_kernel(scale)
            size = kernel.shape[0]
            self.pad_before = size // 2
            self.pad_after = self.pad_before - 1 if size % 2 == 0 else self.pad_before
            self.register_buffer("weight", kernel.view(1, 1, size, size).repeat(channels, 1, 1, 1))

    def forward(self, image: Tensor) -> Tensor:
        check_shape(image, "image", "(B, C, H, W)", 4, {1: self.channels})
        if self.scale == 1:
            return image
        padded = F.pad(image, (self.pad_before, self.pad_after, self.pad_before, self.pad_after))
        weight = self.weight.to(device=image.device, dtype=image.dtype)
        # a strided convolution evaluates the blur only where it is kept (same values, bit for bit)
        return F.conv2d(padded, weight=weight, groups=self.channels, stride=self.step)

    def extra_repr(self) -> str:
        return f"channels={self.channels}, scale={self.scale}"


class ImagePyramid(nn.Module):
    """Anti-aliased copies of an image at several ``scales`` (each in ``(0, 1]``).

    ``forward(image (B, C, H, W))`` returns a list with one ``(B, C, ~H * s, ~W * s)`` tensor per
    scale, in the order of ``scales``.
    """

    def __init__(self, channels: int, scales: Sequence[float]) -> None:
        super().__init__()
        if len(scales) == 0:
            raise ValueError("scales must name at least one scale")
        self.scales = tuple(float(s) for s in scales)
        self.levels = nn.ModuleList(AntiAliasDownsample(channels, s) for s in self.scales)

    def forward(self, image: Tensor) -> list[Tensor]:
        return [level(image) for level in self.levels]
