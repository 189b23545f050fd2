"""Shared warping, flow and keypoint operations (device-agnostic, batched, differentiable).

Conventions: docs/conventions.md. Flows are backward and in pixels unless a function takes
``units="normalized"``; ``align_corners`` is always an explicit keyword.
"""

from motionkit.ops.flow_estimation import DISFlowEstimator
from motionkit.ops.flow_losses import (
    flow_consistency_loss,
    flow_smoothness_loss,
    occlusion_weighted_photometric_loss,
)
from motionkit.ops.flow_visualization import color_wheel, flow_to_rgb
from motionkit.ops.grid import (
    coordinate_grid,
    flow_normalized_to_pixels,
    flow_pixels_to_normalized,
    flow_to_grid,
    grid_to_flow,
    normalized_to_pixels,
    pixel_grid,
    pixels_to_normalized,
    resize_grid,
)
from motionkit.ops.jacobians import invert_jacobians
from motionkit.ops.keypoint_transfer import keypoint_hull_area, movement_scale, transfer_relative_motion
from motionkit.ops.keypoints import (
    heatmap_weighted_jacobians,
    heatmaps_to_keypoints,
    keypoints_to_gaussians,
    soft_argmax,
    softmax_heatmaps,
)
from motionkit.ops.occlusion import flow_consistency_error, forward_backward_occlusion
from motionkit.ops.pyramid import AntiAliasDownsample, ImagePyramid, gaussian_kernel
from motionkit.ops.raft import RAFTFlowEstimator
from motionkit.ops.sparse_motion import sparse_motions
from motionkit.ops.transforms import RandomTPSTransform
from motionkit.ops.warp import compose_flows, resize_flow, warp, warp_by_grid, warp_sequence

COMPONENTS = (DISFlowEstimator, RAFTFlowEstimator)

__all__ = [
    "COMPONENTS",
    "AntiAliasDownsample",
    "DISFlowEstimator",
    "ImagePyramid",
    "RAFTFlowEstimator",
    "RandomTPSTransform",
    "color_wheel",
    "compose_flows",
    "coordinate_grid",
    "flow_consistency_error",
    "flow_consistency_loss",
    "flow_normalized_to_pixels",
    "flow_pixels_to_normalized",
    "flow_smoothness_loss",
    "flow_to_grid",
    "flow_to_rgb",
    "forward_backward_occlusion",
    "gaussian_kernel",
    "grid_to_flow",
    "heatmap_weighted_jacobians",
    "heatmaps_to_keypoints",
    "invert_jacobians",
    "keypoint_hull_area",
    "keypoints_to_gaussians",
    "movement_scale",
    "normalized_to_pixels",
    "occlusion_weighted_photometric_loss",
    "pixel_grid",
    "pixels_to_normalized",
    "resize_flow",
    "resize_grid",
    "soft_argmax",
    "softmax_heatmaps",
    "sparse_motions",
    "transfer_relative_motion",
    "warp",
    "warp_by_grid",
    "warp_sequence",
]
