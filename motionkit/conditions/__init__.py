"""Condition extractors: edges, face landmarks, OpenPose keypoints and semantic labels, as generator inputs."""
from .canny import CannyEdges
from .face_edge_maps import FaceEdgeInput, FaceEdgeMaps
from .face_edges import face_edge_map
from .face_landmarks import FaceLandmarkEdges, required_weight_files
from .instance_edges import instance_edges
from .openpose_files import (
    OpenPoseFrame,
    openpose_json,
    parse_opencv_yaml,
    parse_openpose_json,
    read_opencv_yaml,
    read_openpose,
    read_openpose_json,
    read_openpose_yaml,
    to_coco18,
    write_openpose_json,
)
from .openpose_labels import OpenPoseLabels
from .pose_edges import OpenPoseEdges, render_openpose_edges
from .pose_render import render_openpose
from .semantic import CITYSCAPES_LABELS, SemanticOneHot, cityscapes_train_ids, one_hot_labels

COMPONENTS = (CannyEdges, FaceLandmarkEdges, FaceEdgeMaps, OpenPoseLabels, OpenPoseEdges, SemanticOneHot)

__all__ = [
    "CannyEdges", "FaceEdgeInput", "FaceEdgeMaps", "face_edge_map", "FaceLandmarkEdges", "required_weight_files", "instance_edges", "OpenPoseFrame",
    "openpose_json", "parse_opencv_yaml", "parse_openpose_json", "read_opencv_yaml", "read_openpose",
    "read_openpose_json", "read_openpose_yaml", "to_coco18", "write_openpose_json", "OpenPoseLabels",
    "render_openpose", "OpenPoseEdges", "render_openpose_edges", "CITYSCAPES_LABELS", "SemanticOneHot", "cityscapes_train_ids", "one_hot_labels", "COMPONENTS",
]
