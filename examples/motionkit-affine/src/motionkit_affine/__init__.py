"""motionkit-affine: the plugin built in the tutorial (CONTRIBUTING.md, "Writing a plugin").

A global affine motion is a first-order motion model with a single keypoint: the keypoint is the
translation and its jacobian the linear part. Everything here uses motionkit's public API only.
"""
import motionkit as mk

from .command import ANIMATE
from .generator import AffineWarpGenerator
from .method import GlobalAffine
from .representation import GlobalAffineEstimator


@mk.hookimpl
def register_components(register):
    for cls in (GlobalAffineEstimator, AffineWarpGenerator, GlobalAffine):
        register(cls)


@mk.hookimpl
def register_commands(register):
    register(ANIMATE)
