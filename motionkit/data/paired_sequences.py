"""``paired-sequences``: vid2vid's layout — condition sequences and frame sequences in parallel folders.

``root/<conditions_dir>/<sequence>/<frame files>`` (label maps, pose images, edge maps ...),
``root/<frames_dir>/<sequence>/<frame files>`` and optionally ``root/<instances_dir>/<sequence>/...``.
The n-th file of a condition sequence (in natural order) belongs to the n-th frame; sequences must have
the same names and the same number of files in every folder. A folder holding frame files directly (no
sequence subfolders) is one sequence: EverybodyDanceNow's ``train_label`` / ``train_img`` layout, whose
face boxes (``train_facetexts128/<frame>.txt``: ``miny maxy minx maxx``) can be read too.
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal, Optional

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from pydantic import Field, model_validator
from torch import Tensor

from ..errors import InputError
from ..interfaces import Config, Dataset
from ..io import IMAGE_SUFFIXES, frames_to_tensor, list_frame_files, natural_key, read_image, read_label_image
from .augmentation import AugmentationConfig, ClipAugmentation


class PairedSequencesConfig(Config):
    """root: dataset folder; frames_dir / conditions_dir / instances_dir: its subfolders (vid2vid:
    ``train_B`` / ``train_A`` / ``train_inst``; ``instances_dir=None``: no instance maps); condition_type:
    ``"labels"`` (one id per pixel, returned as int64 maps) or ``"images"`` (RGB condition images);
    num_frames: clip length T; frame_step: spacing; size: ``[H, W]`` to resize to (labels nearest);
    face_boxes_dir: folder of per-frame face box text files named like the frames (EverybodyDanceNow's
    ``train_facetexts128``); augmentation: applied consistently to frames, conditions and instances."""

    root: Path
    frames_dir: str = "train_B"
    conditions_dir: str = "train_A"
    instances_dir: Optional[str] = None
    condition_type: Literal["labels", "images"] = "labels"
    num_frames: int = Field(4, ge=1)
    frame_step: int = Field(1, ge=1)
    size: Optional[tuple[int, int]] = None
    face_boxes_dir: Optional[str] = None
    augmentation: Optional[AugmentationConfig] = None

    @model_validator(mode="after")
    def _boxes_are_not_augmented(self) -> "PairedSequencesConfig":
        if self.face_boxes_dir is not None and self.augmentation is not None:
            raise ValueError("face_boxes_dir cannot be combined with augmentation (flips and crops move the faces)")
        return self


class PairedSequencesDataset(Dataset):
    """Clips of paired conditions and frames.

    Item -> ``{"frames": (T, 3, H, W)``, then ``"labels": (T, H, W)`` int64 (condition_type ``labels``) or
    ``"conditions": (T, 3, H, W)`` (``images``), ``"instances": (T, H, W)`` int64 if configured,
    ``"face_box": (T, 4)`` int64 ``[y0, y1, x0, x1]`` (end exclusive, in output pixels) if configured,
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
        names = {role: _sequence_names(folder) for role, folder in folders.items()}
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
            if c.face_boxes_dir is not None:
                files["face_boxes"] = [c.root / c.face_boxes_dir / name / f"{frame.stem}.txt" for frame in files["frames"]]
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
        if "face_boxes" in files:
            height, width = self._source_size(files["frames"][picks[0]])
            item["face_box"] = torch.stack([_read_face_box(files["face_boxes"][i], height, width, item["frames"].shape[-2:])
                                            for i in picks])
        shapes = {key: tuple(value.shape[-2:]) for key, value in item.items() if key != "face_box"}
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

    @staticmethod
    def _source_size(path: Path) -> tuple[int, int]:
        with Image.open(path) as image:
            return image.height, image.width

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


def _sequence_names(folder: Path) -> list[str]:
    """Sequence subfolders of ``folder`` in natural order, or ``["."]`` if it holds frame files itself."""
    names = sorted((p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")), key=natural_key)
    if names:
        return names
    return ["."] if any(p.suffix.lower() in IMAGE_SUFFIXES for p in folder.iterdir()) else []


def _read_face_box(path: Path, height: int, width: int, size: tuple[int, int]) -> Tensor:
    """``miny maxy minx maxx`` of a frame ``height x width`` -> int64 ``[y0, y1, x0, x1]`` scaled to ``size``."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: face box file missing")
    fields = path.read_text(encoding="utf-8", errors="replace").split()
    try:
        values = [int(float(v)) for v in fields]
    except ValueError:
        values = []
    if len(values) != 4 or not (0 <= values[0] < values[1] <= height and 0 <= values[2] < values[3] <= width):
        raise InputError(f"{path}: expected 'miny maxy minx maxx' inside the {width}x{height} frame, got {' '.join(fields)[:60]!r}")
    scale_y, scale_x = size[0] / height, size[1] / width
    return torch.tensor([round(values[0] * scale_y), round(values[1] * scale_y),
                         round(values[2] * scale_x), round(values[3] * scale_x)], dtype=torch.int64)
