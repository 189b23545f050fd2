"""Datasets: synthetic data with exact ground truth, video folders, paired sequences, augmentation, crops."""
from .synthetic import (
    COCO18_JOINTS,
    DANCER_PARTS,
    LABEL_MOTION_CLASSES,
    SCENE_CLASSES,
    DancersDataset,
    LabelMotionDataset,
    ScenesDataset,
    SpritesDataset,
)

COMPONENTS = (SpritesDataset, ScenesDataset, LabelMotionDataset, DancersDataset)

__all__ = ["COCO18_JOINTS", "DANCER_PARTS", "LABEL_MOTION_CLASSES", "SCENE_CLASSES", "DancersDataset",
           "LabelMotionDataset", "ScenesDataset", "SpritesDataset", "COMPONENTS"]
