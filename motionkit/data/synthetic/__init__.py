"""Synthetic datasets with exact ground truth (no files, deterministic per seed and index)."""
from .layers import LayerStack, Rendering, backward_flow, render
from .scenes import SCENE_CLASSES, ScenesDataset
from .sprites import SpritesDataset

__all__ = ["LayerStack", "Rendering", "backward_flow", "render", "SCENE_CLASSES", "ScenesDataset", "SpritesDataset"]
