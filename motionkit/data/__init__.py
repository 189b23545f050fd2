"""Datasets: synthetic data with exact ground truth, video folders, paired sequences, augmentation, crops."""
from .synthetic import SCENE_CLASSES, ScenesDataset, SpritesDataset

COMPONENTS = (SpritesDataset, ScenesDataset)

__all__ = ["SCENE_CLASSES", "ScenesDataset", "SpritesDataset", "COMPONENTS"]
