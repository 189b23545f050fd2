"""Batched 2-D affine transforms as ``(..., 3, 3)`` homogeneous matrices, and smooth random trajectories.

Scenes are laid out in normalised frame coordinates: x and y in ``[-1, 1]`` across the width and height
(pixel centres at ``(2 j + 1) / W - 1``, i.e. ``align_corners=False``), x right, y down.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import Tensor


def _eye_like(values: Tensor) -> Tensor:
    return torch.eye(3, dtype=values.dtype, device=values.device).expand(*values.shape, 3, 3).clone()


def translation(tx: Tensor, ty: Tensor) -> Tensor:
    """``(...)`` offsets -> ``(..., 3, 3)`` translation matrices."""
    matrix = _eye_like(tx)
    matrix[..., 0, 2] = tx
    matrix[..., 1, 2] = ty
    return matrix


def rotation(angle: Tensor) -> Tensor:
    """``(...)`` angles in radians (clockwise on screen, since y points down) -> ``(..., 3, 3)``."""
    matrix = _eye_like(angle)
    cos, sin = torch.cos(angle), torch.sin(angle)
    matrix[..., 0, 0] = cos
    matrix[..., 0, 1] = -sin
    matrix[..., 1, 0] = sin
    matrix[..., 1, 1] = cos
    return matrix


def scaling(sx: Tensor, sy: Tensor) -> Tensor:
    """``(...)`` scale factors -> ``(..., 3, 3)``."""
    matrix = _eye_like(sx)
    matrix[..., 0, 0] = sx
    matrix[..., 1, 1] = sy
    return matrix


def apply(matrix: Tensor, points: Tensor) -> Tensor:
    """Transform ``points (..., P, 2)`` by ``matrix (..., 3, 3)`` -> ``(..., P, 2)``."""
    return points @ matrix[..., :2, :2].transpose(-1, -2) + matrix[..., None, :2, 2]


def smooth_signal(rng: np.random.Generator, times: Tensor, amplitude: float, max_frequency: float,
                  components: int = 2) -> Tensor:
    """A random smooth function of time: a sum of ``components`` sinusoids with random frequency (cycles
    per frame, up to ``max_frequency``), phase and weights summing to ``amplitude``. ``times (T,)`` -> ``(T,)``."""
    frequency = torch.as_tensor(rng.uniform(0.2, 1.0, components) * max_frequency, dtype=times.dtype)
    phase = torch.as_tensor(rng.uniform(0, 2 * np.pi, components), dtype=times.dtype)
    weights = torch.as_tensor(rng.dirichlet(np.ones(components)) * amplitude, dtype=times.dtype)
    return (weights * torch.sin(2 * np.pi * frequency * times[:, None] + phase)).sum(-1)
