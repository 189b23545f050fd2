"""motionkit-first-order: the First Order Motion Model (Siarohin et al., NeurIPS 2019) as a motionkit plugin."""
import motionkit as mk

from .animator import Animator
from .best_frame import find_best_frame
from .command import ANIMATE
from .dense_motion import DenseMotionNetwork
from .generator import OcclusionAwareGenerator
from .keypoint_detector import KeypointDetector
from .method import FirstOrder

__all__ = ["Animator", "DenseMotionNetwork", "FirstOrder", "KeypointDetector", "OcclusionAwareGenerator", "find_best_frame"]


@mk.hookimpl
def register_components(register):
    for cls in (KeypointDetector, OcclusionAwareGenerator, FirstOrder):
        register(cls)


@mk.hookimpl
def register_commands(register):
    register(ANIMATE)


@mk.hookimpl
def register_demo_sections(register):
    from .demo_section import SECTION

    register(SECTION)
