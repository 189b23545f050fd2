"""One frame's condition assembled from several condition folders: vid2vid's 6-channel pose input.

Each folder holds one file per frame, matched by natural order, and has a kind: plain ``image`` files,
DensePose ``densepose`` IUV images, or OpenPose ``openpose`` JSON files rendered as vid2vid does
(:mod:`motionkit.conditions.pose_edges`). :func:`read_condition_frame` reads the files of one frame and
concatenates their channels with the official values: every part is read at the source resolution, resized
with nearest sampling (Pillow, as the official transform), and the DensePose part index is rescaled so that
the vid2vid ``image`` condition (``x * 2 - 1``) gives the official generator input bit for bit (part ``k`` ->
``k / 12 - 1``). The ``paired-sequences`` dataset builds its multi-folder conditions with it (training) and
vid2vid's ``motionkit synthesize`` streams it frame by frame (inference, :func:`condition_frame_files`)::

    folders = [ConditionFolder(dir="dp", kind="densepose"), ConditionFolder(dir="op", kind="openpose")]
    for paths in condition_frame_files(folders):      # (dp/00000.png, op/00000_keypoints.json), ...
        condition = read_condition_frame(paths, folders, size=(256, 448), center_crop=(256, 192))  # (6, H, W)
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Literal, Optional, Sequence, Union

import numpy as np
import torch
from PIL import Image
from pydantic import Field, model_validator
from torch import Tensor

from ..conditions.openpose_files import read_openpose
from ..conditions.pose_edges import render_openpose_edges
from ..errors import InputError
from ..interfaces import Config
from ..io import list_frame_files, natural_key, read_image

PathLike = Union[str, os.PathLike]

#: largest DensePose part index (0 = background, 1..24 body parts; 23 and 24 are the head)
DENSEPOSE_PARTS = 24
DENSEPOSE_HEAD = (23, 24)


class ConditionFolder(Config):
    """One part of a multi-folder condition. dir: the folder (for ``paired-sequences``: a subfolder of
    ``root``); kind: ``image`` (RGB images), ``densepose`` (DensePose IUV images: V, U, part index 0..24 as R, G,
    B, as vid2vid reads them) or ``openpose`` (OpenPose ``*.json`` files, BODY_25, rendered in vid2vid's style
    at the frame's source size). Training-time label dropping (only where a random generator is given: items
    from ``dataset[i]``, never ``dataset.clip`` or inference), vid2vid's options: drop_prob
    (``--random_drop_prob``; vid2vid trains with 0.05): each DensePose part of each frame, or each OpenPose limb,
    hand and face, is blanked with this probability; remove_face_labels (``--remove_face_labels``): blank the
    DensePose head parts, jitter the OpenPose head and face (with drop_prob > 0); basic_points_only
    (``--basic_point_only``, openpose only, also at inference): body limbs only."""

    dir: str
    kind: Literal["image", "densepose", "openpose"] = "image"
    drop_prob: float = Field(0.0, ge=0, le=1)
    remove_face_labels: bool = False
    basic_points_only: bool = False

    @model_validator(mode="after")
    def _options_fit_the_kind(self) -> "ConditionFolder":
        if self.kind == "image" and (self.drop_prob > 0 or self.remove_face_labels):
            raise ValueError(f"{self.dir}: drop_prob and remove_face_labels apply to densepose and openpose folders only")
        if self.kind != "openpose" and self.basic_points_only:
            raise ValueError(f"{self.dir}: basic_points_only applies to openpose folders only")
        return self


def list_condition_files(folder: PathLike, kind: str = "image") -> list[Path]:
    """The frame files of one condition folder in natural order: images, or OpenPose ``*.json`` files for
    kind ``openpose``. Raises ``FileNotFoundError`` / :class:`InputError` naming the folder if there are none."""
    folder = Path(folder)
    if kind != "openpose":
        return list_frame_files(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such folder")
    files = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".json" and not p.name.startswith(".")]
    if not files:
        raise InputError(f"{folder}: folder contains no OpenPose JSON files (*.json)")
    return sorted(files, key=lambda p: natural_key(p.name))


def condition_frame_files(folders: Sequence[ConditionFolder], root: PathLike = "") -> list[tuple[Path, ...]]:
    """The files of every frame of a sequence stored in several condition folders (``root / folder.dir``):
    ``[(frame 0 of folder 0, frame 0 of folder 1, ...), ...]``, matched by natural order
    (:func:`list_condition_files`). Folders holding different numbers of files raise :class:`InputError` naming
    the folder, and the first frame it lacks where the file names tell (``00003.png`` and
    ``00003_keypoints.json`` are one frame)."""
    if not folders:
        raise InputError("no condition folders given")
    lists = [list_condition_files(Path(root) / folder.dir, folder.kind) for folder in folders]
    for folder, files in zip(folders[1:], lists[1:]):
        if len(files) != len(lists[0]):
            short, full = (files, lists[0]) if len(files) < len(lists[0]) else (lists[0], files)
            present = {_frame_key(path) for path in short}
            lacking = next((path for path in full if _frame_key(path) not in present), None)
            missing = ("" if lacking is None
                       else f"; {lacking.parent} has {lacking.name}, {short[0].parent} has no file for it")
            raise InputError(f"{Path(root) / folder.dir}: {len(files)} files but {Path(root) / folders[0].dir} has "
                             f"{len(lists[0])} (one file per frame in every condition folder{missing})")
    return list(zip(*lists))


def read_condition_frame(
    files: Sequence[PathLike],
    folders: Sequence[ConditionFolder],
    *,
    source_size: Optional[tuple[int, int]] = None,
    size: Optional[tuple[int, int]] = None,
    center_crop: Optional[tuple[int, int]] = None,
    rng: Optional[np.random.Generator] = None,
) -> Tensor:
    """One frame's condition -> float32 ``(3 * len(folders), H, W)`` in ``[0, 1]`` (see the module docstring).

    ``files[k]``: the frame's file of ``folders[k]``; ``source_size``: ``(H, W)`` of the video frame, the canvas
    OpenPose keypoints are rendered on (vid2vid renders at the frame's size; default: the size of the frame's
    first non-OpenPose file, required when every folder is ``openpose``); ``size``: ``(H, W)`` every part is
    resized to (nearest); ``center_crop``: ``(H, W)`` central region kept after resizing; ``rng``: enables the
    folders' training-time label dropping (``None``, at inference and in ``dataset.clip``: no dropping).
    """
    if len(files) != len(folders):
        raise InputError(f"read_condition_frame: {len(files)} files for {len(folders)} condition folders")
    if source_size is None and any(folder.kind == "openpose" for folder in folders):
        source_size = _source_size([path for path, folder in zip(files, folders) if folder.kind != "openpose"])
    parts = []
    for path, folder in zip(files, folders):
        path = Path(path)
        if folder.kind == "openpose":
            image = render_openpose_edges(
                read_openpose(path), *source_size, basic_points_only=folder.basic_points_only,
                drop_prob=folder.drop_prob if rng is not None else 0.0,
                jitter_face=folder.remove_face_labels and rng is not None, rng=rng, source=str(path))
        else:
            image = read_image(path)
            if folder.kind == "densepose":
                image = _densepose_pixels(image, path, folder, rng)
        if size is not None and image.shape[:2] != tuple(size):
            image = np.array(Image.fromarray(image).resize(tuple(size)[::-1], Image.NEAREST))
        part = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1).float().div(255)
        if folder.kind == "densepose":
            part[2] = _densepose_part_channel(part[2])
        if parts and part.shape != parts[0].shape:
            raise InputError(f"{path}: {part.shape[1]}x{part.shape[2]} does not match {Path(files[0])} "
                             f"({parts[0].shape[1]}x{parts[0].shape[2]}); pass size=(H, W) to resize every part")
        parts.append(part)
    condition = torch.cat(parts, 0)
    return condition if center_crop is None else crop_center(condition, center_crop, Path(files[0]).parent)


def crop_center(maps: Tensor, crop: tuple[int, int], where: PathLike = "input") -> Tensor:
    """The central ``crop = (h, w)`` region of ``maps (..., H, W)`` (top-left rounded down); ``where`` names the
    data in the error raised when the crop is larger than the maps."""
    crop_h, crop_w = crop
    height, width = maps.shape[-2:]
    if crop_h > height or crop_w > width:
        raise InputError(f"{where}: center_crop {crop_h}x{crop_w} is larger than the {height}x{width} frames")
    top, left = (height - crop_h) // 2, (width - crop_w) // 2
    return maps[..., top:top + crop_h, left:left + crop_w]


def _frame_key(path: Path) -> str:
    """The frame a file belongs to: its name without suffix and without OpenPose's ``_keypoints`` ending."""
    return path.stem[:-len("_keypoints")] if path.stem.endswith("_keypoints") else path.stem


def _source_size(paths: Sequence[PathLike]) -> tuple[int, int]:
    """``(H, W)`` of the first of ``paths`` (the size OpenPose keypoints are rendered at)."""
    if not paths:
        raise InputError("openpose condition folders alone: give source_size, the (H, W) of the frames the "
                         "keypoints were detected on")
    return image_size(paths[0])


def image_size(path: PathLike) -> tuple[int, int]:
    """``(H, W)`` of an image file, from its header; errors name the file."""
    try:
        with Image.open(path) as image:
            return image.height, image.width
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such file") from None
    except OSError as error:
        raise InputError(f"{path}: not a readable image ({type(error).__name__}: {error})") from None


def _densepose_pixels(image: np.ndarray, path: Path, part: ConditionFolder,
                      rng: Optional[np.random.Generator]) -> np.ndarray:
    """Check a DensePose IUV image (part index in the third channel) and apply training-time label dropping."""
    labels = image[..., 2]
    if int(labels.max()) > DENSEPOSE_PARTS:
        raise InputError(f"{path}: not a DensePose IUV image: the part index (third channel) reaches "
                         f"{int(labels.max())}, expected 0..{DENSEPOSE_PARTS}")
    if rng is None:
        return image
    blank = np.zeros(labels.shape, bool)
    for index in range(1, DENSEPOSE_PARTS + 1):
        if part.drop_prob > 0 and rng.random() < part.drop_prob:
            blank |= labels == index
    if part.remove_face_labels:
        blank |= np.isin(labels, DENSEPOSE_HEAD)
    if blank.any():
        image = image.copy()
        image[blank] = 0
    return image


def _densepose_part_channel(part: Tensor) -> Tensor:
    """Part index channel ``k / 255`` -> ``~k / 24`` in ``[0, 1]``, computed with vid2vid's float32 operations
    (normalise to ``[-1, 1]``, ``(x * 0.5 + 0.5) * 255 / 24``), so that ``2 * x - 1`` equals its input exactly."""
    return ((part - 0.5) / 0.5 * 0.5 + 0.5) * 255 / 24
