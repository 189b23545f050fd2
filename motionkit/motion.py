"""Motion representations exchanged between components: plain dataclasses of tensors.

Conventions are in ``docs/conventions.md``; in short: keypoints are normalised ``[-1, 1]`` with x first,
dense flows are backward flows in pixels with channel 0 = x, pose keypoints are pixels.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, Optional

import torch


class _TensorBundle:
    """Mixin: ``.to()``, ``.detach()`` and indexing over every tensor field."""

    def _map(self, fn) -> Any:
        changes = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, torch.Tensor):
                changes[f.name] = fn(value)
        return replace(self, **changes)

    def to(self, *args, **kwargs):
        """Move/cast every tensor field like ``torch.Tensor.to``."""
        return self._map(lambda t: t.to(*args, **kwargs))

    def detach(self):
        """Detach every tensor field from the autograd graph."""
        return self._map(lambda t: t.detach())

    def __getitem__(self, index):
        """Select along the batch dimension of every tensor field."""
        return self._map(lambda t: t[index])


@dataclass
class Keypoints(_TensorBundle):
    """Keypoints with optional local affine jacobians (first-order motion).

    value: ``(B, K, 2)`` normalised ``[-1, 1]``, x first.
    jacobian: ``(B, K, 2, 2)`` or ``None``.
    """

    value: torch.Tensor
    jacobian: Optional[torch.Tensor] = None

    def __post_init__(self) -> None:
        if self.value.dim() != 3 or self.value.shape[-1] != 2:
            raise ValueError(f"Keypoints.value must be (B, K, 2), got {tuple(self.value.shape)}")
        if self.jacobian is not None and self.jacobian.shape != (*self.value.shape, 2):
            raise ValueError(
                f"Keypoints.jacobian must be {(*self.value.shape, 2)}, got {tuple(self.jacobian.shape)}"
            )


@dataclass
class DenseMotion(_TensorBundle):
    """Dense backward motion with optional occlusion.

    flow: ``(B, 2, H, W)`` in pixels, channel 0 = x; ``warp(x, flow)(p) = x(p + flow(p))``.
    occlusion: ``(B, 1, h, w)`` in ``[0, 1]`` (1 = visible) or ``None``; may be coarser than ``flow``.
    """

    flow: torch.Tensor
    occlusion: Optional[torch.Tensor] = None

    def __post_init__(self) -> None:
        if self.flow.dim() != 4 or self.flow.shape[1] != 2:
            raise ValueError(f"DenseMotion.flow must be (B, 2, H, W), got {tuple(self.flow.shape)}")


@dataclass
class Pose(_TensorBundle):
    """Body/face/hand keypoints from a pose detector.

    points: ``(B, J, 2)`` in pixels of the frame, x first.
    confidence: ``(B, J)`` in ``[0, 1]``; 0 means not detected.
    layout: keypoint order name, e.g. ``"coco18"``, ``"body25"``, ``"body23"``.
    """

    points: torch.Tensor
    confidence: torch.Tensor
    layout: str = "coco18"

    def __post_init__(self) -> None:
        if self.points.dim() != 3 or self.points.shape[-1] != 2:
            raise ValueError(f"Pose.points must be (B, J, 2), got {tuple(self.points.shape)}")
        if self.confidence.shape != self.points.shape[:2]:
            raise ValueError(
                f"Pose.confidence must be {tuple(self.points.shape[:2])}, got {tuple(self.confidence.shape)}"
            )


@dataclass
class LabelMap(_TensorBundle):
    """Semantic (and optional instance) segmentation.

    labels: ``(B, H, W)`` int64 class ids in ``[0, num_classes)``.
    instances: ``(B, H, W)`` int64 instance ids or ``None``.
    """

    labels: torch.Tensor
    num_classes: int
    instances: Optional[torch.Tensor] = None

    def __post_init__(self) -> None:
        if self.labels.dim() != 3:
            raise ValueError(f"LabelMap.labels must be (B, H, W), got {tuple(self.labels.shape)}")
        if self.instances is not None and self.instances.shape != self.labels.shape:
            raise ValueError(
                f"LabelMap.instances must match labels {tuple(self.labels.shape)}, "
                f"got {tuple(self.instances.shape)}"
            )

    def one_hot(self, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """``(B, num_classes, H, W)`` one-hot encoding."""
        if self.labels.numel() and (self.labels.min() < 0 or self.labels.max() >= self.num_classes):
            raise ValueError(
                f"LabelMap.labels must lie in [0, {self.num_classes}), "
                f"got [{int(self.labels.min())}, {int(self.labels.max())}]"
            )
        return torch.nn.functional.one_hot(self.labels, self.num_classes).permute(0, 3, 1, 2).to(dtype)
