"""Small inputs for metric tests."""
from __future__ import annotations

import torch


def constant_frames(values: list[list[float]], size: int = 16) -> torch.Tensor:
    """Frames (N, 3, size, size), frame i filled with RGB ``values[i]``."""
    return torch.tensor(values, dtype=torch.float32).view(-1, 3, 1, 1).expand(-1, 3, size, size).clone()
