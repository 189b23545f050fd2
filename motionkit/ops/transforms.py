"""Random affine + thin-plate-spline transforms for equivariance losses (first-order motion model).

A transform ``T`` maps normalised coordinates ``(x, y)`` of the *transformed* image to the
*original* one: ``transformed_image(p) = image(T(p))``. Keypoints detected on both images then
satisfy ``keypoints(image) ~= T(keypoints(transformed_image))`` and their jacobians
``J(image) ~= dT/dp @ J(transformed_image)``, which is what the equivariance losses penalise.

``T(p) = A p + c + w(p) * (1, 1)`` with a random affine part ``[A | c] = I + N(0, sigma_affine^2)``
and a random spline part ``w(p) = sum_i theta_i r_i^2 log(r_i + 1e-6)``, ``r_i = |p - q_i|_1``
around a ``points_tps x points_tps`` grid of control points ``q_i`` with weights
``theta_i ~ N(0, sigma_tps^2)``. This is exactly the official first-order-model ``Transform``
(including its L1 radius and its one spline value added to both coordinates), drawn in the same
order from the random generator, so seeded runs match it. kornia's thin-plate splines fit a
spline through given control-point displacements, which is a different (and non-random)
parameterisation, so they are not used here.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from motionkit.errors import InputError
from motionkit.ops._validation import check_padding_mode, check_shape, check_tensor
from motionkit.ops.grid import coordinate_grid
from motionkit.ops.warp import warp_by_grid


@dataclass
class RandomTPSTransform:
    """One random transform per batch sample (build with :meth:`sample`).

    theta: ``(B, 2, 3)`` affine matrices ``[A | c]``.
    control_points: ``(N, 2)`` spline centres (normalised, x first) or ``None`` (affine only).
    control_params: ``(B, 1, N)`` spline weights or ``None``.
    """

    theta: Tensor
    control_points: Tensor | None = None
    control_params: Tensor | None = None

    def __post_init__(self) -> None:
        check_shape(self.theta, "theta", "(B, 2, 3)", 3, {1: 2, 2: 3})
        if (self.control_points is None) != (self.control_params is None):
            raise InputError("control_points and control_params must both be given or both be None")
        if self.control_points is not None and self.control_params is not None:
            check_shape(self.control_points, "control_points", "(N, 2)", 2, {1: 2})
            check_shape(
                self.control_params,
                "control_params",
                "(B, 1, N)",
                3,
                {0: self.theta.shape[0], 1: 1, 2: self.control_points.shape[0]},
            )

    @property
    def batch_size(self) -> int:
        return self.theta.shape[0]

    @classmethod
    def sample(
        cls,
        batch_size: int,
        *,
        sigma_affine: float,
        sigma_tps: float | None = None,
        points_tps: int | None = None,
        generator: torch.Generator | None = None,
        dtype: torch.dtype = torch.float32,
        device: torch.device | str | None = None,
    ) -> RandomTPSTransform:
        """Draw ``batch_size`` transforms. The spline part is used when ``sigma_tps`` and ``points_tps`` are given.

        Random numbers come from ``generator`` (default: torch's global one) on CPU in float32,
        affine noise first, as the official code draws them; the result is then moved to
        ``dtype``/``device``.
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        noise = torch.normal(mean=0.0, std=sigma_affine * torch.ones(batch_size, 2, 3), generator=generator)
        theta = (noise + torch.eye(2, 3).view(1, 2, 3)).to(dtype=dtype, device=device)
        if sigma_tps is None or points_tps is None:
            return cls(theta)
        if points_tps < 2:
            raise ValueError(f"points_tps must be >= 2, got {points_tps}")
        points = coordinate_grid(points_tps, points_tps, align_corners=True, method="arange").view(-1, 2)
        params = torch.normal(mean=0.0, std=sigma_tps * torch.ones(batch_size, 1, points_tps**2), generator=generator)
        return cls(theta, points.to(dtype=dtype, device=device), params.to(dtype=dtype, device=device))

    def warp_coordinates(self, coordinates: Tensor) -> Tensor:
        """``T`` applied to ``coordinates (B or 1, N, 2)`` (normalised, x first) -> ``(B, N, 2)``.

        Differentiable in ``coordinates``; a batch of 1 is shared by every transform.
        """
        check_shape(coordinates, "coordinates", "(B, N, 2)", 3, {2: 2})
        if coordinates.shape[0] not in (1, self.batch_size):
            raise InputError(f"coordinates must have batch size 1 or {self.batch_size}, got {coordinates.shape[0]}")
        theta = self.theta.to(coordinates).unsqueeze(1)
        transformed = torch.matmul(theta[:, :, :, :2], coordinates.unsqueeze(-1)) + theta[:, :, :, 2:]
        transformed = transformed.squeeze(-1)
        if self.control_points is None or self.control_params is None:
            return transformed
        points = self.control_points.to(coordinates)
        params = self.control_params.to(coordinates)
        distances = coordinates.view(coordinates.shape[0], -1, 1, 2) - points.view(1, 1, -1, 2)
        distances = torch.abs(distances).sum(-1)
        spline = distances**2
        spline = spline * torch.log(distances + 1e-6)
        spline = spline * params
        spline = spline.sum(dim=2).view(self.batch_size, coordinates.shape[1], 1)
        return transformed + spline

    def jacobian(self, coordinates: Tensor) -> Tensor:
        """``dT/dp`` at ``coordinates (B, N, 2)`` -> ``(B, N, 2, 2)`` row-major, by autograd.

        Built with ``create_graph=True`` so losses on it backpropagate into ``coordinates`` when
        they require grad (e.g. detected keypoints); otherwise the result is a plain tensor.
        """
        check_tensor(coordinates, "coordinates")
        if coordinates.dim() != 3 or coordinates.shape[0] != self.batch_size or coordinates.shape[2] != 2:
            raise InputError(f"coordinates must have shape ({self.batch_size}, N, 2), got {tuple(coordinates.shape)}")
        needs_graph = coordinates.requires_grad
        with torch.enable_grad():
            points = coordinates if needs_graph else coordinates.detach().requires_grad_(True)
            warped = self.warp_coordinates(points)
            grad_x = torch.autograd.grad(warped[..., 0].sum(), points, create_graph=True)[0]
            grad_y = torch.autograd.grad(warped[..., 1].sum(), points, create_graph=True)[0]
        jacobian = torch.cat([grad_x.unsqueeze(-2), grad_y.unsqueeze(-2)], dim=-2)
        return jacobian if needs_graph else jacobian.detach()

    def sampling_grid(self, height: int, width: int, *, align_corners: bool) -> Tensor:
        """``T`` evaluated at every pixel of an ``align_corners`` coordinate grid -> ``(B, H, W, 2)``.

        The coordinate grid is built with ``method="arange"`` like the official code.
        """
        grid = coordinate_grid(
            height,
            width,
            align_corners=align_corners,
            method="arange",
            dtype=self.theta.dtype,
            device=self.theta.device,
        )
        return self.warp_coordinates(grid.view(1, height * width, 2)).view(self.batch_size, height, width, 2)

    def warp_images(self, images: Tensor, *, align_corners: bool, padding_mode: str = "reflection") -> Tensor:
        """Transformed images ``(B, C, H, W)``: ``out(p) = images(T(p))``, bilinear.

        Coordinates and sampling use the same ``align_corners``, so keypoints in that
        convention transform consistently. (The official code builds the grid with
        ``align_corners=True`` coordinates but samples with ``False``; reproduce that with
        ``warp_by_grid(images, t.sampling_grid(H, W, align_corners=True), align_corners=False)``.)
        """
        check_shape(images, "images", "(B, C, H, W)", 4, {0: self.batch_size})
        grid = self.sampling_grid(images.shape[2], images.shape[3], align_corners=align_corners).to(images)
        return warp_by_grid(images, grid, align_corners=align_corners, padding_mode=check_padding_mode(padding_mode))
