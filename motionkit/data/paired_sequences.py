"""``paired-sequences``: vid2vid's layout — condition sequences and frame sequences in parallel folders.

``root/<conditions_dir>/<sequence>/<frame files>`` (label maps, pose images, edge maps ...),
``root/<frames_dir>/<sequence>/<frame files>`` and optionally ``root/<instances_dir>/<sequence>/...``.
The n-th file of a condition sequence (in natural order) belongs to the n-th frame; sequences must have
the same names and the same number of files in every folder.
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal, Optional

import numpy as np
import torch
import torch.nn.functional as F
from pydantic import Field
from torch import Tensor

from ..errors import InputError
from ..interfaces import Config, Dataset
from ..io import frames_to_tensor, list_frame_files, natural_key, read_image, read_label_image
from .augmentation import AugmentationConfig, ClipAugmentation


class PairedSequencesConfig(Config):
    """root: dataset folder; frames_dir / conditions_dir / instances_dir: its subfolders (vid2vid:
    ``train_B`` / ``train_A`` / ``train_inst``; ``instances_dir=None``: no instance maps); condition_type:
    ``"labels"`` (one id per pixel, returned as int64 maps) or ``"images"`` (RGB condition images);
    num_frames: clip length T; frame_step: spacing; size: ``[H, W]`` to resize to (labels nearest);
    augmentation: applied consistently to frames, conditions and instances."""

    root: Path
    frames_dir: str = "train_B"
    conditions_dir: str = "train_A"
    instances_dir: Optional[str] = None
    condition_type: Literal["labels", "images"] = "labels"
    num_frames: int = Field(4, ge=1)
    frame_step: int = Field(1, ge=1)
    size: Optional[tuple[int, int]] = None
    augmentation: Optional[AugmentationConfig] = None


class PairedSequencesDataset(Dataset):
    """Clips of paired conditions and frames.

    Item -> ``{"frames": (T, 3, H, W)``, then ``"labels": (T, H, W)`` int64 (condition_type ``labels``) or
    ``"conditions": (T, 3, H, W)`` (``images``), ``"instances": (T, H, W)`` int64 if configured,
    ``"sequence_index": ()}``. Item ``i`` is a clip of sequence ``i % num_sequences`` at a random start
    (torch's global generator, seeded per DataLoader worker).
    """

    name = "paired-sequences"
    Config = PairedSequencesConfig
    config: PairedSequencesConfig

    def __init__(self, config: Optional[PairedSequencesConfig] = None, **params) -> None:
        super().__init__(config, **params)
        c = self.config
        folders = {"frames": c.root / c.frames_dir, "conditions": c.root / c.conditions_dir}
        if c.instances_dir is not None:
            folders["instances"] = c.root / c.instances_dir
        for folder in folders.values():
            if not folder.is_dir():
                raise FileNotFoundError(f"{folder}: folder not found")
        names = {role: sorted((p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")),
                              key=natural_key) for role, folder in folders.items()}
        if not names["frames"]:
            raise InputError(f"{folders['frames']}: no sequence folders")
        for role, found in names.items():
            if found != names["frames"]:
                extra = sorted(set(found) ^ set(names["frames"]))
                raise InputError(f"{folders[role]}: sequences differ from {folders['frames']} ({', '.join(extra[:5])})")
        self.sequences = []
        for name in names["frames"]:
            files = {role: list_frame_files(folder / name) for role, folder in folders.items()}
            counts = {role: len(f) for role, f in files.items()}
            if len(set(counts.values())) != 1:
                detail = ", ".join(f"{folders[role] / name}: {count}" for role, count in counts.items())
                raise InputError(f"sequence {name!r}: condition and frame counts disagree ({detail})")
            self.sequences.append(files)
        image_keys = ("frames",) + (("conditions",) if c.condition_type == "images" else ())
        label_keys = (("labels",) if c.condition_type == "labels" else ()) + (("instances",) if c.instances_dir else ())
        self.augment = ClipAugmentation(c.augmentation, image_keys, label_keys) if c.augmentation is not None else None

    def __len__(self) -> int:
        return len(self.sequences)

    def sequence_length(self, index: int) -> int:
        """Number of frames of sequence ``index``."""
        return len(self.sequences[index]["frames"])

    def clip(self, sequence: int, start: int) -> dict[str, Tensor]:
        """Frames ``start, start + step, ...`` (T of them) of ``sequence``, not augmented."""
        c = self.config
        files = self.sequences[sequence]
        picks = range(start, start + (c.num_frames - 1) * c.frame_step + 1, c.frame_step)
        item = {"frames": self._images([files["frames"][i] for i in picks])}
        if c.condition_type == "images":
            item["conditions"] = self._images([files["conditions"][i] for i in picks])
        else:
            item["labels"] = self._labels([files["conditions"][i] for i in picks])
        if "instances" in files:
            item["instances"] = self._labels([files["instances"][i] for i in picks])
        shapes = {key: tuple(value.shape[-2:]) for key, value in item.items()}
        if len(set(shapes.values())) != 1:
            raise InputError(f"sequence {files['frames'][0].parent.name!r}: frame and condition sizes differ {shapes}")
        return item

    def __getitem__(self, index: int) -> dict[str, Tensor]:
        if not 0 <= index < len(self):
            raise IndexError(f"paired-sequences: index {index} out of range for length {len(self)}")
        length = self.sequence_length(index)
        span = (self.config.num_frames - 1) * self.config.frame_step + 1
        if length < span:
            raise InputError(f"{self.sequences[index]['frames'][0].parent}: has {length} frames; clips need {span}")
        item = self.clip(index, int(torch.randint(0, length - span + 1, ())))
        if self.augment is not None:
            item = self.augment(item)
        item["sequence_index"] = torch.tensor(index)
        return item

    def _images(self, paths: list[Path]) -> Tensor:
        clip = frames_to_tensor([read_image(p) for p in paths])
        if self.config.size is not None and tuple(clip.shape[-2:]) != tuple(self.config.size):
            clip = F.interpolate(clip, size=self.config.size, mode="bilinear", align_corners=False, antialias=True)
        return clip.clamp(0, 1)

    def _labels(self, paths: list[Path]) -> Tensor:
        maps = [read_label_image(p) for p in paths]
        if len({m.shape for m in maps}) != 1:
            raise InputError(f"{paths[0].parent}: label maps have different sizes")
        clip = torch.from_numpy(np.stack(maps))
        if self.config.size is not None and tuple(clip.shape[-2:]) != tuple(self.config.size):
            clip = F.interpolate(clip[:, None].double(), size=self.config.size, mode="nearest")[:, 0].long()
        return clip
