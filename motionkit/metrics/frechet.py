"""The Fréchet distance between Gaussians fitted to two feature sets (the maths of FID and FVD)."""
from __future__ import annotations

import torch

from ..errors import InputError


def gaussian_statistics(features: torch.Tensor, name: str = "features") -> tuple[torch.Tensor, torch.Tensor]:
    """Mean ``(D,)`` and unbiased covariance ``(D, D)`` (float64) of ``features (N, D)``, N >= 2."""
    if not isinstance(features, torch.Tensor) or features.dim() != 2:
        shape = tuple(features.shape) if isinstance(features, torch.Tensor) else type(features).__name__
        raise InputError(f"{name}: expected features (N, D), got {shape}")
    if features.shape[0] < 2:
        raise InputError(f"{name}: a covariance needs at least 2 samples, got {features.shape[0]}")
    x = features.double()
    mean = x.mean(0)
    centered = x - mean
    return mean, centered.T @ centered / (x.shape[0] - 1)


def _sqrt_psd(matrix: torch.Tensor) -> torch.Tensor:
    values, vectors = torch.linalg.eigh(matrix)
    return (vectors * values.clamp(min=0).sqrt()) @ vectors.T


def frechet_distance_from_statistics(mean_a: torch.Tensor, cov_a: torch.Tensor, mean_b: torch.Tensor,
                                     cov_b: torch.Tensor) -> float:
    """``|mu_a - mu_b|^2 + tr(S_a) + tr(S_b) - 2 tr((S_a S_b)^(1/2))``.

    The trace term is computed as ``tr((S_a^(1/2) S_b S_a^(1/2))^(1/2))``, the same value through a
    symmetric matrix, so it is stable for singular covariances (fewer samples than dimensions)."""
    root_a = _sqrt_psd(cov_a.double())
    middle = root_a @ cov_b.double() @ root_a
    trace_sqrt = torch.linalg.eigvalsh((middle + middle.T) / 2).clamp(min=0).sqrt().sum()
    distance = (mean_a - mean_b).double().square().sum() + cov_a.trace() + cov_b.trace() - 2 * trace_sqrt
    return float(distance.clamp(min=0))


def frechet_distance(features_a: torch.Tensor, features_b: torch.Tensor) -> float:
    """Fréchet distance between Gaussians fitted to ``features_a (N, D)`` and ``features_b (M, D)``."""
    if features_a.dim() == 2 and features_b.dim() == 2 and features_a.shape[1] != features_b.shape[1]:
        raise InputError(f"feature sizes differ: {features_a.shape[1]} vs {features_b.shape[1]}")
    return frechet_distance_from_statistics(*gaussian_statistics(features_a, "features_a"),
                                            *gaussian_statistics(features_b, "features_b"))
