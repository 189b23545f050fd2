"""Random affine + thin-plate-spline transforms for the first-order model's equivariance losses.

A transform maps normalised coordinates ``z`` (x first) to ``A z + t + f(z)``, where ``A, t`` are the
identity plus Gaussian noise and ``f(z) = sum_p w_p U(|z - c_p|_1)``, ``U(r) = r^2 log(r + 1e-6)``, over a
regular grid of control points ``c_p`` (the same offset ``f`` is added to x and y, as in the official
first-order-model). The same transform warps frames and coordinates consistently:
``warp_frames(x)(z) = x(warp_coordinates(z))``, so a keypoint at ``z`` in the warped frame sits at
``warp_coordinates(z)`` in ``x``. :meth:`RandomTPS.jacobian` is the exact derivative (closed form).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor

from motionkit.ops._validation import check_shape
from motionkit.ops.grid import coordinate_grid

_EPS = 1e-6


@dataclass
class RandomTPS:
    """theta ``(B, 2, 3)`` affine part; control_points ``(P, 2)``; control_params ``(B, P)`` (None: affine only)."""

    theta: Tensor
    control_points: Optional[Tensor] = None
    control_params: Optional[Tensor] = None

    @classmethod
    def sample(
        cls,
        batch: int,
        *,
        sigma_affine: float,
        sigma_tps: Optional[float] = None,
        points_tps: Optional[int] = None,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float32,
        generator: Optional[torch.Generator] = None,
    ) -> "RandomTPS":
        """Draw ``batch`` transforms: affine noise ``N(0, sigma_affine^2)``; with ``sigma_tps`` and
        ``points_tps``, TPS weights ``N(0, sigma_tps^2)`` on a ``points_tps x points_tps`` control grid."""
        noise = torch.randn(batch, 2, 3, generator=generator, device=device, dtype=dtype) * sigma_affine
        theta = noise + torch.eye(2, 3, device=device, dtype=dtype)
        if sigma_tps is None or points_tps is None:
            return cls(theta)
        points = coordinate_grid(points_tps, points_tps, align_corners=True, dtype=dtype, device=device).view(-1, 2)
        params = torch.randn(batch, points.shape[0], generator=generator, device=device, dtype=dtype) * sigma_tps
        return cls(theta, points, params)

    def _tps_terms(self, coordinates: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        offsets = coordinates.unsqueeze(2) - self.control_points.to(coordinates.dtype).view(1, 1, -1, 2)  # (B, N, P, 2)
        distances = offsets.abs().sum(-1)  # (B, N, P)
        return offsets, distances, self.control_params.to(coordinates.dtype).unsqueeze(1)  # weights (B, 1, P)

    def warp_coordinates(self, coordinates: Tensor) -> Tensor:
        """Map normalised coordinates ``(B, N, 2)`` -> ``(B, N, 2)``."""
        check_shape(coordinates, "coordinates", "(B, N, 2)", 3, {0: self.theta.shape[0], 2: 2})
        theta = self.theta.to(coordinates.dtype)
        out = coordinates @ theta[:, :, :2].transpose(1, 2) + theta[:, :, 2].unsqueeze(1)
        if self.control_params is not None:
            _, distances, weights = self._tps_terms(coordinates)
            out = out + (distances**2 * torch.log(distances + _EPS) * weights).sum(-1, keepdim=True)
        return out

    def jacobian(self, coordinates: Tensor) -> Tensor:
        """Derivative of :meth:`warp_coordinates` at ``coordinates (B, N, 2)`` -> ``(B, N, 2, 2)``, row-major
        ``[[dx'/dx, dx'/dy], [dy'/dx, dy'/dy]]``."""
        check_shape(coordinates, "coordinates", "(B, N, 2)", 3, {0: self.theta.shape[0], 2: 2})
        batch, count = coordinates.shape[:2]
        linear = self.theta.to(coordinates.dtype)[:, :, :2].unsqueeze(1).expand(batch, count, 2, 2)
        if self.control_params is None:
            return linear
        offsets, distances, weights = self._tps_terms(coordinates)
        radial = 2 * distances * torch.log(distances + _EPS) + distances**2 / (distances + _EPS)  # dU/dr
        gradient = ((radial * weights).unsqueeze(-1) * torch.sign(offsets)).sum(2)  # (B, N, 2) = df/dz
        return linear + gradient.unsqueeze(2)  # f is added to both outputs

    def warp_frames(self, frames: Tensor) -> Tensor:
        """``frames (B, C, H, W)`` sampled at the transformed pixel grid (reflection padding) -> ``(B, C, H, W)``."""
        check_shape(frames, "frames", "(B, C, H, W)", 4, {0: self.theta.shape[0]})
        height, width = frames.shape[2:]
        grid = coordinate_grid(height, width, align_corners=True, dtype=frames.dtype, device=frames.device)
        grid = grid.reshape(1, height * width, 2).expand(frames.shape[0], -1, -1)
        warped = self.warp_coordinates(grid).view(frames.shape[0], height, width, 2)
        return F.grid_sample(frames, warped, padding_mode="reflection", align_corners=False)
