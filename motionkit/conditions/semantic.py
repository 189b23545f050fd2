"""Semantic label maps to one-hot tensors, with the Cityscapes label-id -> train-id mapping."""
from __future__ import annotations

from typing import Literal, Optional

import torch
from pydantic import Field, model_validator
from torch import Tensor

from ..errors import InputError
from ..interfaces import Config, ConditionExtractor

#: Cityscapes ``(label id, name, train id)``; train id 255 = ignored in training (cityscapesScripts labels)
CITYSCAPES_LABELS = (
    (0, "unlabeled", 255), (1, "ego vehicle", 255), (2, "rectification border", 255), (3, "out of roi", 255),
    (4, "static", 255), (5, "dynamic", 255), (6, "ground", 255), (7, "road", 0), (8, "sidewalk", 1),
    (9, "parking", 255), (10, "rail track", 255), (11, "building", 2), (12, "wall", 3), (13, "fence", 4),
    (14, "guard rail", 255), (15, "bridge", 255), (16, "tunnel", 255), (17, "pole", 5), (18, "polegroup", 255),
    (19, "traffic light", 6), (20, "traffic sign", 7), (21, "vegetation", 8), (22, "terrain", 9), (23, "sky", 10),
    (24, "person", 11), (25, "rider", 12), (26, "car", 13), (27, "truck", 14), (28, "bus", 15),
    (29, "caravan", 255), (30, "trailer", 255), (31, "train", 16), (32, "motorcycle", 17), (33, "bicycle", 18),
)
CITYSCAPES_NUM_LABEL_IDS = 35  # label ids 0..33 plus -1 (license plate) stored as 34 by pix2pixHD/vid2vid
CITYSCAPES_NUM_TRAIN_IDS = 19
IGNORE = 255


def cityscapes_train_ids(label_ids: Tensor) -> Tensor:
    """Cityscapes label ids ``(..., H, W)`` int -> train ids (0..18, 255 for ignored classes and unknown ids)."""
    table = torch.full((256,), IGNORE, dtype=torch.int64, device=label_ids.device)
    for label_id, _, train_id in CITYSCAPES_LABELS:
        table[label_id] = train_id
    ids = label_ids.long()
    return torch.where((ids >= 0) & (ids < 256), table[ids.clamp(0, 255)], torch.full_like(ids, IGNORE))


def one_hot_labels(labels: Tensor, num_classes: int, ignore_index: Optional[int] = None,
                   dtype: torch.dtype = torch.float32) -> Tensor:
    """``(B, H, W)`` integer class ids -> ``(B, num_classes, H, W)`` one-hot.

    Pixels equal to ``ignore_index`` get all zeros; any other id outside ``[0, num_classes)`` is an error.
    """
    if not isinstance(labels, Tensor) or labels.dim() != 3 or labels.is_floating_point():
        shape = tuple(labels.shape) if isinstance(labels, Tensor) else type(labels).__name__
        raise InputError(f"labels must be a (B, H, W) integer tensor, got {shape}"
                         + (f" of dtype {labels.dtype}" if isinstance(labels, Tensor) else ""))
    ids = labels.long()
    ignored = ids == ignore_index if ignore_index is not None else torch.zeros_like(ids, dtype=torch.bool)
    valid = ids[~ignored]
    if valid.numel() and (valid.min() < 0 or valid.max() >= num_classes):
        raise InputError(f"labels must lie in [0, {num_classes})"
                         + (f" or equal ignore_index {ignore_index}" if ignore_index is not None else "")
                         + f", got values in [{int(valid.min())}, {int(valid.max())}]")
    encoded = torch.nn.functional.one_hot(ids.masked_fill(ignored, 0), num_classes).permute(0, 3, 1, 2).to(dtype)
    return encoded * (~ignored).unsqueeze(1).to(dtype)


class SemanticOneHotConfig(Config):
    """num_classes: channels of the output; mapping: ``"none"`` (ids are class ids) or
    ``"cityscapes-train-ids"`` (Cityscapes label ids mapped to the 19 train ids; ignored classes -> zeros);
    ignore_index: an id that becomes an all-zero pixel."""

    num_classes: int = Field(35, ge=1)
    mapping: Literal["none", "cityscapes-train-ids"] = "none"
    ignore_index: Optional[int] = None

    @model_validator(mode="after")
    def _train_ids_have_19_classes(self) -> "SemanticOneHotConfig":
        if self.mapping == "cityscapes-train-ids" and self.num_classes != CITYSCAPES_NUM_TRAIN_IDS:
            raise ValueError(f"mapping 'cityscapes-train-ids' gives {CITYSCAPES_NUM_TRAIN_IDS} classes, "
                             f"num_classes is {self.num_classes}")
        return self


class SemanticOneHot(ConditionExtractor):
    """Label map to one-hot condition: ``forward(labels (B, H, W) int) -> (B, num_classes, H, W)`` float32."""

    name = "one-hot"
    Config = SemanticOneHotConfig
    config: SemanticOneHotConfig

    def forward(self, labels: Tensor) -> Tensor:
        ignore = self.config.ignore_index
        if self.config.mapping == "cityscapes-train-ids":
            if not isinstance(labels, Tensor) or labels.is_floating_point():
                raise InputError("labels must be an integer tensor of Cityscapes label ids")
            labels, ignore = cityscapes_train_ids(labels), IGNORE
        return one_hot_labels(labels, self.config.num_classes, ignore)
