"""Semantic label maps (+ instance maps) to vid2vid's per-frame generator input."""
from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor

from motionkit.conditions.instance_edges import instance_edges
from motionkit.motion import LabelMap


def encode_labels(labels: Tensor, num_classes: int, instances: Optional[Tensor] = None) -> Tensor:
    """``labels (B, H, W)`` int class ids -> ``(B, num_classes [+ 1], H, W)`` float: the one-hot map, then
    (when ``instances (B, H, W)`` is given) the instance edge map, as the official ``encode_input``."""
    one_hot = LabelMap(labels.long(), num_classes, instances).one_hot()
    if instances is None:
        return one_hot
    return torch.cat([one_hot, instance_edges(instances.long()).to(one_hot.dtype)], dim=1)
