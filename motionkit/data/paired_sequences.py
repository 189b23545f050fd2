"""``paired-sequences``: vid2vid's layout — condition sequences and frame sequences in parallel folders.

``root/<conditions_dir>/<sequence>/<frame files>`` (label maps, pose images, edge maps ...),
``root/<frames_dir>/<sequence>/<frame files>`` and optionally ``root/<instances_dir>/<sequence>/...``.
The n-th file of a condition sequence (in natural order) belongs to the n-th frame; sequences must have
the same names and the same number of files in every folder. A folder holding frame files directly (no
sequence subfolders) is one sequence: EverybodyDanceNow's ``train_label`` / ``train_img`` layout, whose
face boxes (``train_facetexts128/<frame>.txt``: ``miny maxy minx maxx``) can be read too.

``conditions_dir`` may also list several folders whose channels are concatenated, each with a kind: plain
``image`` files, DensePose ``densepose`` IUV images, or OpenPose ``openpose`` JSON files rendered as vid2vid
does. This assembles vid2vid's 6-channel pose input (``train_densepose`` + ``train_openpose``, its ``pose``
dataset mode) with the official values, one frame at a time with
:func:`motionkit.data.condition_folders.read_condition_frame` (which inference uses too).
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal, Optional, Union

import numpy as np
import torch
import torch.nn.functional as F
from pydantic import Field, model_validator
from torch import Tensor

from ..errors import InputError
from ..interfaces import Config, Dataset
from ..io import IMAGE_SUFFIXES, frames_to_tensor, natural_key, read_image, read_label_image
from .augmentation import AugmentationConfig, ClipAugmentation
from .condition_folders import ConditionFolder, crop_center, image_size, list_condition_files, read_condition_frame



class PairedSequencesConfig(Config):
    """root: dataset folder; frames_dir / conditions_dir / instances_dir: its subfolders (vid2vid:
    ``train_B`` / ``train_A`` / ``train_inst``; ``instances_dir=None``: no instance maps); condition_type:
    ``"labels"`` (one id per pixel, returned as int64 maps) or ``"images"`` (RGB condition images);
    num_frames: clip length T; frame_step: spacing; size: ``[H, W]`` to resize to (labels nearest);
    face_boxes_dir: folder of per-frame face box text files named like the frames (EverybodyDanceNow's
    ``train_facetexts128``); augmentation: applied consistently to frames, conditions and instances;
    conditions_dir may list several :class:`ConditionFolder` (or plain image folder names) whose channels are
    concatenated (needs condition_type ``images``); center_crop: ``[H, W]`` central region kept after
    resizing (vid2vid's pose mode keeps the central half of the width)."""

    root: Path
    frames_dir: str = "train_B"
    conditions_dir: Union[str, list[Union[str, ConditionFolder]]] = "train_A"
    instances_dir: Optional[str] = None
    condition_type: Literal["labels", "images"] = "labels"
    num_frames: int = Field(4, ge=1)
    frame_step: int = Field(1, ge=1)
    size: Optional[tuple[int, int]] = None
    center_crop: Optional[tuple[int, int]] = None
    face_boxes_dir: Optional[str] = None
    augmentation: Optional[AugmentationConfig] = None

    @model_validator(mode="after")
    def _boxes_are_not_augmented(self) -> "PairedSequencesConfig":
        if self.face_boxes_dir is not None and (self.augmentation is not None or self.center_crop is not None):
            raise ValueError("face_boxes_dir cannot be combined with augmentation or center_crop (flips and crops move the faces)")
        return self

    @model_validator(mode="after")
    def _condition_folders(self) -> "PairedSequencesConfig":
        if isinstance(self.conditions_dir, list):
            if not self.conditions_dir:
                raise ValueError("conditions_dir: the list of condition folders is empty")
            if self.condition_type != "images":
                raise ValueError("conditions_dir as a list of folders needs condition_type: images")
            pose = [f.dir for f in self.condition_folders if f.kind != "image"]
            if pose and self.augmentation is not None and self.augmentation.horizontal_flip:
                raise ValueError(f"augmentation.horizontal_flip would swap left and right body parts of {pose[0]} "
                                 "(vid2vid never flips pose data); set it to false")
        if self.center_crop is not None and min(self.center_crop) < 1:
            raise ValueError(f"center_crop must be positive, got {list(self.center_crop)}")
        return self

    @property
    def condition_folders(self) -> Optional[list[ConditionFolder]]:
        """The condition parts of a multi-folder condition (``None`` for a single ``conditions_dir``)."""
        if not isinstance(self.conditions_dir, list):
            return None
        return [ConditionFolder(dir=f) if isinstance(f, str) else f for f in self.conditions_dir]


class PairedSequencesDataset(Dataset):
    """Clips of paired conditions and frames.

    Item -> ``{"frames": (T, 3, H, W)``, then ``"labels": (T, H, W)`` int64 (condition_type ``labels``) or
    ``"conditions": (T, C, H, W)`` (``images``; C = 3 per condition folder, values in ``[0, 1]``: the vid2vid
    ``image`` condition maps them to the official ``[-1, 1]`` inputs), ``"instances": (T, H, W)`` int64 if configured,
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
        self.parts = c.condition_folders
        folders = {"frames": c.root / c.frames_dir}
        kinds = {"frames": "image"}
        if self.parts is None:
            folders["conditions"] = c.root / c.conditions_dir
        else:
            for k, part in enumerate(self.parts):
                folders[f"conditions{k}"], kinds[f"conditions{k}"] = c.root / part.dir, part.kind
        if c.instances_dir is not None:
            folders["instances"] = c.root / c.instances_dir
        for folder in folders.values():
            if not folder.is_dir():
                raise FileNotFoundError(f"{folder}: folder not found")
        names = {role: _sequence_names(folder, kinds.get(role, "image")) for role, folder in folders.items()}
        if not names["frames"]:
            raise InputError(f"{folders['frames']}: no sequence folders")
        for role, found in names.items():
            if found != names["frames"]:
                extra = sorted(set(found) ^ set(names["frames"]))
                raise InputError(f"{folders[role]}: sequences differ from {folders['frames']} ({', '.join(extra[:5])})")
        self.sequences = []
        for name in names["frames"]:
            files = {role: list_condition_files(folder / name, kinds.get(role, "image"))
                     for role, folder in folders.items()}
            counts = {role: len(f) for role, f in files.items()}
            if len(set(counts.values())) != 1:
                detail = ", ".join(f"{folders[role] / name}: {count}" for role, count in counts.items())
                raise InputError(f"sequence {name!r}: condition and frame counts disagree ({detail})")
            if c.face_boxes_dir is not None:
                files["face_boxes"] = [c.root / c.face_boxes_dir / name / f"{frame.stem}.txt" for frame in files["frames"]]
            self.sequences.append(files)
        image_keys = ("frames",) + (("conditions",) if c.condition_type == "images" and self.parts is None else ())
        label_keys = (("labels",) if c.condition_type == "labels" else ()) + (("instances",) if c.instances_dir else ())
        map_keys = ("conditions",) if self.parts is not None else ()
        self.augment = (ClipAugmentation(c.augmentation, image_keys, label_keys, map_keys)
                        if c.augmentation is not None else None)
        self.drops_labels = self.parts is not None and any(p.drop_prob > 0 or p.remove_face_labels for p in self.parts)

    def __len__(self) -> int:
        return len(self.sequences)

    def sequence_length(self, index: int) -> int:
        """Number of frames of sequence ``index``."""
        return len(self.sequences[index]["frames"])

    def clip(self, sequence: int, start: int, rng: Optional[np.random.Generator] = None) -> dict[str, Tensor]:
        """Frames ``start, start + step, ...`` (T of them) of ``sequence``, not augmented; ``rng`` enables the
        condition folders' training-time label dropping (``dataset[i]`` passes one)."""
        c = self.config
        files = self.sequences[sequence]
        picks = range(start, start + (c.num_frames - 1) * c.frame_step + 1, c.frame_step)
        item = {"frames": self._images([files["frames"][i] for i in picks])}
        if self.parts is not None:
            item["conditions"] = self._condition_parts(files, list(picks), rng)
        elif c.condition_type == "images":
            item["conditions"] = self._images([files["conditions"][i] for i in picks])
        else:
            item["labels"] = self._labels([files["conditions"][i] for i in picks])
        if "instances" in files:
            item["instances"] = self._labels([files["instances"][i] for i in picks])
        if "face_boxes" in files:
            height, width = image_size(files["frames"][picks[0]])
            item["face_box"] = torch.stack([_read_face_box(files["face_boxes"][i], height, width, item["frames"].shape[-2:])
                                            for i in picks])
        shapes = {key: tuple(value.shape[-2:]) for key, value in item.items() if key != "face_box"}
        if len(set(shapes.values())) != 1:
            raise InputError(f"sequence {files['frames'][0].parent.name!r}: frame and condition sizes differ {shapes}")
        if c.center_crop is not None:
            item = self._center_crop(item, files["frames"][0].parent)
        return item

    def __getitem__(self, index: int) -> dict[str, Tensor]:
        if not 0 <= index < len(self):
            raise IndexError(f"paired-sequences: index {index} out of range for length {len(self)}")
        length = self.sequence_length(index)
        span = (self.config.num_frames - 1) * self.config.frame_step + 1
        if length < span:
            raise InputError(f"{self.sequences[index]['frames'][0].parent}: has {length} frames; clips need {span}")
        start = int(torch.randint(0, length - span + 1, ()))
        rng = np.random.default_rng(int(torch.randint(0, 2**62, ()))) if self.drops_labels else None
        item = self.clip(index, start, rng)
        if self.augment is not None:
            item = self.augment(item)
        item["sequence_index"] = torch.tensor(index)
        return item

    def _images(self, paths: list[Path]) -> Tensor:
        clip = frames_to_tensor([read_image(p) for p in paths])
        if self.config.size is not None and tuple(clip.shape[-2:]) != tuple(self.config.size):
            clip = F.interpolate(clip, size=self.config.size, mode="bilinear", align_corners=False, antialias=True)
        return clip.clamp(0, 1)

    def _condition_parts(self, files: dict[str, list[Path]], picks: list[int],
                         rng: Optional[np.random.Generator]) -> Tensor:
        """The concatenated condition folders of a clip -> ``(T, 3 * folders, H, W)`` (see the module docstring)."""
        source_size = image_size(files["frames"][picks[0]])  # vid2vid renders poses at the source size
        frames = [read_condition_frame([files[f"conditions{k}"][i] for k in range(len(self.parts))], self.parts,
                                       source_size=source_size, size=self.config.size, rng=rng) for i in picks]
        for k, part in enumerate(self.parts):
            if len({frame[3 * k:3 * k + 3].shape for frame in frames}) != 1:
                raise InputError(f"{self.config.root / part.dir}: condition images of one clip have different sizes")
        return torch.stack(frames)

    def _center_crop(self, item: dict[str, Tensor], where: Path) -> dict[str, Tensor]:
        return {key: crop_center(value, self.config.center_crop, where) for key, value in item.items()}

    def _labels(self, paths: list[Path]) -> Tensor:
        maps = [read_label_image(p) for p in paths]
        if len({m.shape for m in maps}) != 1:
            raise InputError(f"{paths[0].parent}: label maps have different sizes")
        clip = torch.from_numpy(np.stack(maps))
        if self.config.size is not None and tuple(clip.shape[-2:]) != tuple(self.config.size):
            clip = F.interpolate(clip[:, None].double(), size=self.config.size, mode="nearest")[:, 0].long()
        return clip


def _sequence_names(folder: Path, kind: str = "image") -> list[str]:
    """Sequence subfolders of ``folder`` in natural order, or ``["."]`` if it holds frame files itself."""
    names = sorted((p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")), key=natural_key)
    if names:
        return names
    suffixes = (".json",) if kind == "openpose" else IMAGE_SUFFIXES
    return ["."] if any(p.suffix.lower() in suffixes for p in folder.iterdir()) else []


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
