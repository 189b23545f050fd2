"""Visual sample grids: images and clip frames in labelled rows."""
from __future__ import annotations

import pytest
import torch

from motionkit.training.samples import image_grid


def test_sample_grid_rows_hold_images_or_clip_frames() -> None:
    grid = image_grid({"images": torch.zeros(6, 3, 8, 8), "clip": torch.ones(2, 5, 1, 4, 4)}, pad=2)
    assert grid.shape == (2 * 10 + 2, 5 * 10 + 2, 3)  # 4 images / 5 frames (resized to 8x8) per row
    assert grid[12:20, 2:10].min() == 255 and grid[2:10, 2:10].max() == 0
    with pytest.raises(ValueError, match="visual 'flow' must be"):
        image_grid({"flow": torch.zeros(1, 2, 4, 4)})
