"""Per-frame reconstruction metrics: L1, PSNR and SSIM, averaged over frames.

Inputs are images ``(N, 3, H, W)`` or videos ``(B, T, 3, H, W)`` in [0, 1]; a video contributes each of its
frames. PSNR and SSIM use torchmetrics with ``data_range = 1``.
"""
from __future__ import annotations

import torch

from ..errors import InputError
from .inputs import check_images, check_pair


def l1(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean absolute difference over every pixel and channel (a scalar; same units as the inputs)."""
    pred, tgt = check_images(prediction, "prediction", channels=(1, 3)), check_images(target, "target", channels=(1, 3))
    check_pair(pred, tgt)
    return (pred.double() - tgt.double()).abs().mean().to(prediction.dtype)


def psnr(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Peak signal-to-noise ratio in dB, ``10 log10(1 / MSE)`` per frame, averaged over frames
    (``inf`` when a frame is identical)."""
    from torchmetrics.functional.image import peak_signal_noise_ratio

    pred, tgt = check_images(prediction, "prediction", channels=(1, 3)), check_images(target, "target", channels=(1, 3))
    check_pair(pred, tgt)
    return peak_signal_noise_ratio(pred.double(), tgt.double(), data_range=1.0, dim=(1, 2, 3),
                                   reduction="elementwise_mean").to(prediction.dtype)


def ssim(prediction: torch.Tensor, target: torch.Tensor, kernel_size: int = 11, sigma: float = 1.5) -> torch.Tensor:
    """Structural similarity (Gaussian window ``kernel_size``/``sigma``), per frame, averaged over frames."""
    from torchmetrics.functional.image import structural_similarity_index_measure

    pred, tgt = check_images(prediction, "prediction", channels=(1, 3)), check_images(target, "target", channels=(1, 3))
    check_pair(pred, tgt)
    if min(pred.shape[-2:]) < kernel_size:
        raise InputError(f"ssim: frames {tuple(pred.shape[-2:])} are smaller than the {kernel_size}-pixel window")
    value = structural_similarity_index_measure(pred.double(), tgt.double(), data_range=1.0, kernel_size=kernel_size,
                                                sigma=sigma, reduction="elementwise_mean")
    return value.to(prediction.dtype)
