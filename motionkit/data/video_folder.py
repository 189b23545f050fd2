"""``video-folder``: first-order-model's dataset layout — a folder (or its ``train``/``test`` split) of
videos, each a video file, a GIF, a folder of frames or an image strip of square frames side by side."""
from __future__ import annotations

from pathlib import Path
from typing import Literal, Optional

import torch
import torch.nn.functional as F
from pydantic import Field
from torch import Tensor

from ..errors import InputError
from ..interfaces import Config, Dataset
from ..io import VIDEO_SUFFIXES, frames_to_tensor, natural_key, open_video, read_image
from .augmentation import AugmentationConfig, ClipAugmentation

STRIP_SUFFIXES = (".png", ".jpg", ".jpeg")


class VideoFolderConfig(Config):
    """root: dataset folder; split: subfolder (``"train"``/``"test"``) or ``None`` to use ``root`` itself;
    mode: ``"pairs"`` (two random frames of a video: source and driving) or ``"clips"`` (``num_frames``
    consecutive frames, ``frame_step`` apart); size: ``[H, W]`` frames are resized to (``None``: keep; all
    videos must then share a size to be batched); repeats: passes over the videos per epoch (first-order's
    ``num_repeats``); id_sampling: videos named ``<identity>#<rest>`` are grouped by identity and an item
    picks a random video of one identity, so every identity is seen equally often (first-order's
    VoxCeleb setting); augmentation: applied to training items (``None``: off)."""

    root: Path
    split: Optional[str] = "train"
    mode: Literal["pairs", "clips"] = "pairs"
    num_frames: int = Field(2, ge=1)
    frame_step: int = Field(1, ge=1)
    size: Optional[tuple[int, int]] = None
    repeats: int = Field(1, ge=1)
    id_sampling: bool = False
    augmentation: Optional[AugmentationConfig] = None


class VideoFolderDataset(Dataset):
    """Videos of a folder as training items.

    Item ``i`` comes from video ``i % num_videos`` (with ``id_sampling``: from a random video of identity
    ``i % num_identities``). ``pairs`` -> ``{"source": (3, H, W), "driving": (3, H, W), "video_index": ()}``;
    ``clips`` -> ``{"video": (T, 3, H, W), "video_index": ()}``. Only the needed frames are decoded.
    Randomness uses torch's global generator, which DataLoader seeds per worker and epoch.
    Use :meth:`video` for whole videos (evaluation).
    """

    name = "video-folder"
    Config = VideoFolderConfig
    config: VideoFolderConfig

    def __init__(self, config: Optional[VideoFolderConfig] = None, **params) -> None:
        super().__init__(config, **params)
        folder = self.config.root / self.config.split if self.config.split else self.config.root
        if not folder.is_dir():
            raise FileNotFoundError(f"{folder}: dataset folder not found")
        self.videos = sorted((p for p in folder.iterdir() if _is_video(p)), key=lambda p: natural_key(p.name))
        if not self.videos:
            raise InputError(f"{folder}: no videos (files {', '.join(VIDEO_SUFFIXES + STRIP_SUFFIXES)} or frame folders)")
        names = [p.name.split("#")[0] if self.config.id_sampling else p.name for p in self.videos]
        self.groups: list[list[int]] = [[i for i, n in enumerate(names) if n == name] for name in dict.fromkeys(names)]
        self._lengths: dict[int, int] = {}
        self.augment = (ClipAugmentation(self.config.augmentation, images=("video",))
                        if self.config.augmentation is not None else None)

    def __len__(self) -> int:
        return len(self.groups) * self.config.repeats

    def num_frames(self, video_index: int) -> int:
        """Frame count of video ``video_index`` (counted once, then cached)."""
        if video_index not in self._lengths:
            path = self.videos[video_index]
            self._lengths[video_index] = _strip_length(path) if _is_strip(path) else len(open_video(path))
        return self._lengths[video_index]

    def read_frames(self, video_index: int, indices: list[int]) -> Tensor:
        """Frames ``indices`` of video ``video_index`` -> ``(len(indices), 3, H, W)`` in [0, 1], resized."""
        path = self.videos[video_index]
        if _is_strip(path):
            strip = read_image(path)
            side = strip.shape[0]
            frames = [strip[:, i * side:(i + 1) * side] for i in indices]
        else:
            frames = open_video(path).read(indices)
        clip = frames_to_tensor(frames)
        if self.config.size is not None and tuple(clip.shape[-2:]) != tuple(self.config.size):
            clip = F.interpolate(clip, size=self.config.size, mode="bilinear", align_corners=False, antialias=True)
            clip = clip.clamp(0, 1)
        return clip

    def video(self, video_index: int) -> Tensor:
        """All frames of a video ``(T, 3, H, W)`` (loads the whole video: for evaluation clips)."""
        return self.read_frames(video_index, list(range(self.num_frames(video_index))))

    def __getitem__(self, index: int) -> dict[str, Tensor]:
        if not 0 <= index < len(self):
            raise IndexError(f"video-folder: index {index} out of range for length {len(self)}")
        group = self.groups[index % len(self.groups)]
        video_index = group[int(torch.randint(0, len(group), ()))] if len(group) > 1 else group[0]
        length = self.num_frames(video_index)
        if self.config.mode == "pairs":
            if length < 2:
                raise InputError(f"{self.videos[video_index]}: has {length} frame; pairs need at least 2")
            indices = torch.randperm(length)[:2].tolist()
        else:
            span = (self.config.num_frames - 1) * self.config.frame_step + 1
            if length < span:
                raise InputError(f"{self.videos[video_index]}: has {length} frames; clips of {self.config.num_frames} "
                                 f"frames {self.config.frame_step} apart need {span}")
            start = int(torch.randint(0, length - span + 1, ()))
            indices = list(range(start, start + span, self.config.frame_step))
        item = {"video": self.read_frames(video_index, indices)}
        if self.augment is not None:
            item = self.augment(item)
        if self.config.mode == "pairs":
            return {"source": item["video"][0], "driving": item["video"][1], "video_index": torch.tensor(video_index)}
        return {"video": item["video"], "video_index": torch.tensor(video_index)}


def _is_strip(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in STRIP_SUFFIXES


def _is_video(path: Path) -> bool:
    if path.name.startswith("."):
        return False
    if path.is_dir():
        return True
    return path.suffix.lower() in VIDEO_SUFFIXES + STRIP_SUFFIXES


def _strip_length(path: Path) -> int:
    strip = read_image(path)
    height, width = strip.shape[:2]
    if width % height:
        raise InputError(f"{path}: image strip width {width} is not a multiple of its height {height} (square frames)")
    return width // height
