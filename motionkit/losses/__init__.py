"""Training objectives as ``Loss`` components."""

from motionkit.losses.discriminator_outputs import per_discriminator
from motionkit.losses.equivariance import JacobianEquivarianceLoss, KeypointEquivarianceLoss
from motionkit.losses.feature_matching import FeatureMatchingLoss
from motionkit.losses.gan import GANLoss
from motionkit.losses.gaussian_kl import GaussianKLLoss
from motionkit.losses.l1 import L1Loss, mean_absolute_error
from motionkit.losses.perceptual import PyramidPerceptualLoss, VGGPerceptualLoss
from motionkit.losses.total_variation import TotalVariationLoss

COMPONENTS = (
    FeatureMatchingLoss,
    GANLoss,
    GaussianKLLoss,
    JacobianEquivarianceLoss,
    KeypointEquivarianceLoss,
    L1Loss,
    PyramidPerceptualLoss,
    TotalVariationLoss,
    VGGPerceptualLoss,
)

__all__ = [
    "COMPONENTS",
    "FeatureMatchingLoss",
    "GANLoss",
    "GaussianKLLoss",
    "JacobianEquivarianceLoss",
    "KeypointEquivarianceLoss",
    "L1Loss",
    "PyramidPerceptualLoss",
    "TotalVariationLoss",
    "VGGPerceptualLoss",
    "mean_absolute_error",
    "per_discriminator",
]
