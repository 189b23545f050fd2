"""Condition extractor: OpenPose keypoints (files or tensors) -> EverybodyDanceNow-style pose label images."""
from __future__ import annotations

import os
from typing import Optional, Sequence, Union

import numpy as np
import torch
from pydantic import Field, field_validator
from torch import Tensor

from ..interfaces import Config, ConditionExtractor
from ..motion import Pose
from .openpose_files import OpenPoseFrame, as_openpose_frames, read_openpose
from .pose_render import FACE_POINT_SETS, render_openpose


class OpenPoseLabelsConfig(Config):
    """face_points: face dots drawn (0, 8, 9, 22 or 70); stroke_scale: stroke size relative to a 1080-pixel
    high frame (default: the output height / 1080, at least one pixel)."""

    face_points: int = 8
    stroke_scale: Optional[float] = Field(None, gt=0)

    @field_validator("face_points")
    @classmethod
    def _known_face_set(cls, value: int) -> int:
        if value not in (0, *FACE_POINT_SETS):
            raise ValueError(f"must be one of 0, 8, 9, 22, 70, got {value}")
        return value


class OpenPoseLabels(ConditionExtractor):
    """``forward(poses, height, width) -> (B, 3, H, W)`` pose label images in [0, 1] (white background).

    ``poses``: a :class:`~motionkit.motion.Pose` ``(B, J, 2)`` in pixels of an ``height x width`` frame (one
    person per image; layouts coco18/body23/body25) or a list of :class:`OpenPoseFrame` (all people drawn).
    :meth:`from_files` reads OpenPose JSON / YAML files first.
    """

    name = "openpose-labels"
    Config = OpenPoseLabelsConfig
    config: OpenPoseLabelsConfig

    def forward(self, poses: Union[Pose, Sequence[OpenPoseFrame]], height: int, width: int) -> Tensor:
        frames, device = as_openpose_frames(poses, "openpose-labels")
        images = [render_openpose(frame, height, width, scale=self.config.stroke_scale,
                                  face_points=self.config.face_points) for frame in frames]
        return torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float().div(255.0).to(device)

    def from_files(self, paths: Sequence[Union[str, os.PathLike]], height: int, width: int) -> Tensor:
        """Render OpenPose files (``*.json``, ``*_pose.yml`` or YAML stems) -> ``(B, 3, H, W)``."""
        return self(list(read_openpose(path) for path in paths), height, width)
