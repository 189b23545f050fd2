"""Config sections of the ``first-order`` method, named and shaped like the official YAML files.

An official ``config/*.yaml`` maps 1:1: its ``model_params`` sections become ``common_params``,
``kp_detector_params``, ``generator_params`` and ``discriminator_params``, and the loss entries of its
``train_params`` (``scales``, ``transform_params``, ``loss_weights``) become ``loss_params``.
Optimisation settings (epochs, learning rates, batch size) belong to the run config's ``train`` section.
Defaults are the vox-256 values.
"""
from __future__ import annotations

from typing import Optional

from pydantic import Field, field_validator, model_validator

import motionkit as mk

from .dense_motion import DenseMotionParams
from .generator import GeneratorParams
from .keypoint_detector import CommonParams, KeypointDetectorParams


class DiscriminatorParams(mk.Config):
    """The official ``discriminator_params`` section (see :class:`motionkit.nn.KeypointDiscriminator`)."""

    scales: tuple[float, ...] = Field((1.0,), min_length=1, description="image scales of the discriminators")
    block_expansion: int = Field(32, ge=1, description="channels of the first block (doubled per block)")
    max_features: int = Field(512, ge=1, description="channel cap")
    num_blocks: int = Field(4, ge=1, description="down blocks per scale")
    sn: bool = Field(False, description="spectral normalisation")
    use_kp: bool = Field(False, description="condition on driving keypoint heatmaps")
    kp_variance: float = Field(0.01, gt=0, description="heatmap variance")


class TransformParams(mk.Config):
    """Random transform of the equivariance losses: affine noise plus, with both TPS fields, a TPS warp."""

    sigma_affine: float = Field(0.05, ge=0, description="std of the affine matrix noise")
    sigma_tps: Optional[float] = Field(0.005, ge=0, description="std of the TPS control weights (None: affine only)")
    points_tps: Optional[int] = Field(5, ge=2, description="TPS control grid is points_tps x points_tps")


class LossWeights(mk.Config):
    """The official ``train_params.loss_weights`` (0 turns a term off), plus motionkit's ``reconstruction``."""

    generator_gan: float = Field(0.0, ge=0, description="LSGAN generator loss per discriminator scale")
    discriminator_gan: float = Field(1.0, ge=0, description="LSGAN discriminator loss per scale")
    feature_matching: tuple[float, ...] = Field((10.0,) * 4, description="per discriminator block")
    perceptual: tuple[float, ...] = Field((10.0,) * 5, description="per VGG19 layer (relu1_1 .. relu5_1), every scale")
    equivariance_value: float = Field(10.0, ge=0, description="keypoint equivariance under a random TPS")
    equivariance_jacobian: float = Field(10.0, ge=0, description="jacobian equivariance under a random TPS")
    reconstruction: float = Field(
        0.0, ge=0, description="L1 between prediction and driving frame on every pyramid scale "
        "(motionkit addition, 0 in the official configs; trains without VGG19 weights)"
    )


class LossParams(mk.Config):
    """Loss settings: the official ``train_params`` entries ``scales``, ``transform_params``, ``loss_weights``."""

    scales: tuple[float, ...] = Field((1.0, 0.5, 0.25, 0.125), min_length=1, description="image pyramid of the losses")
    transform_params: TransformParams = Field(default_factory=TransformParams)
    loss_weights: LossWeights = Field(default_factory=LossWeights)
    vgg19_weights: Optional[str] = Field(
        None, description="torchvision's vgg19-dcbb9e9d.pth for the perceptual loss; unset: $MOTIONKIT_VGG19_WEIGHTS or the "
        "torch hub cache; 'random': untrained features (tests and smoke runs only)"
    )

    @field_validator("scales")
    @classmethod
    def _scales_in_range(cls, scales: tuple[float, ...]) -> tuple[float, ...]:
        if any(not 0 < s <= 1 for s in scales):
            raise ValueError(f"every scale must be in (0, 1], got {scales}")
        return scales


def _vox_dense_motion() -> DenseMotionParams:
    return DenseMotionParams(block_expansion=64, max_features=1024, num_blocks=5, scale_factor=0.25)


class FirstOrderConfig(mk.Config):
    """Everything that defines a first-order model; defaults are the official vox-256 model."""

    common_params: CommonParams = Field(default_factory=CommonParams)
    kp_detector_params: KeypointDetectorParams = Field(
        default_factory=lambda: KeypointDetectorParams(temperature=0.1, block_expansion=32, max_features=1024,
                                                       scale_factor=0.25, num_blocks=5)
    )
    generator_params: GeneratorParams = Field(
        default_factory=lambda: GeneratorParams(block_expansion=64, max_features=512, num_down_blocks=2,
                                                num_bottleneck_blocks=6, estimate_occlusion_map=True,
                                                dense_motion_params=_vox_dense_motion())
    )
    discriminator_params: DiscriminatorParams = Field(
        default_factory=lambda: DiscriminatorParams(scales=(1.0,), block_expansion=32, max_features=512, num_blocks=4,
                                                    sn=True)
    )
    loss_params: LossParams = Field(default_factory=LossParams)

    @model_validator(mode="after")
    def _consistent(self) -> "FirstOrderConfig":
        weights = self.loss_params.loss_weights
        if weights.equivariance_jacobian and not self.common_params.estimate_jacobian:
            raise ValueError("loss_weights.equivariance_jacobian needs common_params.estimate_jacobian: true")
        if weights.generator_gan and len(weights.feature_matching) not in (0, self.discriminator_params.num_blocks):
            raise ValueError(
                f"loss_weights.feature_matching has {len(weights.feature_matching)} weights, "
                f"discriminator_params.num_blocks is {self.discriminator_params.num_blocks}"
            )
        if any(weights.perceptual) and len(weights.perceptual) != 5:
            raise ValueError(
                f"loss_weights.perceptual has {len(weights.perceptual)} weights; give 5 (VGG19 relu1_1 .. relu5_1)"
            )
        return self
