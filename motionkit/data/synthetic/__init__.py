"""Synthetic datasets with exact ground truth (no files, deterministic per seed and index)."""
from .dancers import COCO18_JOINTS, DANCER_PARTS, DancersDataset
from .label_motion import LABEL_MOTION_CLASSES, LabelMotionDataset
from .layers import LayerStack, Rendering, backward_flow, render
from .scenes import SCENE_CLASSES, ScenesDataset
from .sprites import SpritesDataset

__all__ = ["COCO18_JOINTS", "DANCER_PARTS", "DancersDataset", "LABEL_MOTION_CLASSES", "LabelMotionDataset",
           "LayerStack", "Rendering", "backward_flow", "render", "SCENE_CLASSES", "ScenesDataset", "SpritesDataset"]
