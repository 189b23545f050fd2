"""motionkit-first-order: the First Order Motion Model (Siarohin et al., NeurIPS 2019) as a motionkit plugin."""
import motionkit as mk

from .dense_motion import DenseMotionNetwork
from .generator import OcclusionAwareGenerator
from .keypoint_detector import KeypointDetector
from .method import FirstOrder

__all__ = ["DenseMotionNetwork", "FirstOrder", "KeypointDetector", "OcclusionAwareGenerator"]


@mk.hookimpl
def register_components(register):
    for cls in (KeypointDetector, OcclusionAwareGenerator, FirstOrder):
        register(cls)
