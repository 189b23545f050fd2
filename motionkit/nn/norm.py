"""Normalisation layers chosen by name in configs.

A norm name is one of :data:`NORM_NAMES`:

* ``"batch"`` — ``BatchNorm2d(affine=True)``;
* ``"instance"`` — ``InstanceNorm2d(affine=False)``, as pix2pixHD uses it (no running statistics unless
  ``track_running_stats=True``, which vid2vid's official networks set);
* ``"sync_batch"`` — ``torch.nn.SyncBatchNorm(affine=True)`` (batch statistics across processes);
* ``"none"`` — no normalisation (an ``nn.Identity`` placeholder, so module indices stay those of the
  official layouts);
* ``"spectral"`` — spectral normalisation of the convolution weights and no feature normalisation;
  ``"spectral_<norm>"`` (e.g. ``"spectral_instance"``) combines it with one of the norms above.

Blocks take a :class:`NormSpec` (or its name) and call :meth:`NormSpec.layer` for every normalisation
layer and :meth:`NormSpec.conv` around every convolution.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Union, get_args

from torch import nn

FeatureNorm = Literal["batch", "instance", "sync_batch", "none"]
NormName = Literal[
    "batch", "instance", "sync_batch", "none", "spectral", "spectral_batch", "spectral_instance", "spectral_sync_batch"
]
NORM_NAMES: tuple[str, ...] = get_args(NormName)


@dataclass(frozen=True)
class NormSpec:
    """Which feature normalisation to apply, whether convolutions are spectrally normalised, and
    whether instance norms keep running statistics."""

    feature: FeatureNorm = "instance"
    spectral: bool = False
    track_running_stats: bool = False

    @classmethod
    def parse(cls, name: str, *, track_running_stats: bool = False) -> "NormSpec":
        """The spec for a name in :data:`NORM_NAMES`; ``ValueError`` naming the choices otherwise."""
        if name not in NORM_NAMES:
            raise ValueError(f"unknown norm {name!r}; choose one of {', '.join(NORM_NAMES)}")
        spectral = name.startswith("spectral")
        feature = name[len("spectral_"):] if name.startswith("spectral_") else ("none" if spectral else name)
        return cls(feature=feature, spectral=spectral, track_running_stats=track_running_stats)

    def layer(self, channels: int) -> nn.Module:
        """A normalisation layer for ``channels`` feature maps (``nn.Identity`` for ``"none"``)."""
        if self.feature == "batch":
            return nn.BatchNorm2d(channels, affine=True)
        if self.feature == "instance":
            return nn.InstanceNorm2d(channels, affine=False, track_running_stats=self.track_running_stats)
        if self.feature == "sync_batch":
            return nn.SyncBatchNorm(channels, affine=True)
        return nn.Identity()

    def conv(self, conv: nn.Module) -> nn.Module:
        """``conv`` itself, or wrapped by ``torch.nn.utils.spectral_norm`` (keys ``weight_orig``,
        ``weight_u``, ``weight_v``) when the spec is spectral."""
        return nn.utils.spectral_norm(conv) if self.spectral else conv


NormLike = Union[NormSpec, str]


def as_norm_spec(norm: NormLike) -> NormSpec:
    """Accept a :class:`NormSpec` or a norm name."""
    if isinstance(norm, NormSpec):
        return norm
    if isinstance(norm, str):
        return NormSpec.parse(norm)
    raise TypeError(f"norm must be a NormSpec or one of {', '.join(NORM_NAMES)}, got {type(norm).__name__}")
