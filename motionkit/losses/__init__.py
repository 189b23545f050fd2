"""Training objectives as ``Loss`` components."""
from motionkit.losses.equivariance import JacobianEquivarianceLoss, KeypointEquivarianceLoss

COMPONENTS = (KeypointEquivarianceLoss, JacobianEquivarianceLoss)

__all__ = ["COMPONENTS", "JacobianEquivarianceLoss", "KeypointEquivarianceLoss"]
