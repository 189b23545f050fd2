"""``sprites``: textured articulated objects on textured backgrounds, for first-order motion models.

Each video shows one object: an elliptic body with two two-segment limbs (one behind, one in front of the
body) on a static textured background. The body follows a smooth random affine motion (translation,
rotation, uniform scale); each limb joint swings smoothly. Appearance (textures, proportions, limb
anchors) and motion come from independent random streams, so object A can be rendered with object B's
motion: exact ground truth for cross-identity motion transfer.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
import torch
from pydantic import Field
from torch import Tensor

from . import affine
from .base import SyntheticConfig, SyntheticDataset
from .layers import INFINITE, LayerStack, backward_flow, random_texture, render

APPEARANCE, MOTION, PAIR = 1, 2, 3
NUM_LIMBS = 2
#: body centre, then (shoulder, elbow, tip) of each limb
NUM_KEYPOINTS = 1 + 3 * NUM_LIMBS


@dataclass
class SpriteAppearance:
    """Identity of an object: its layers, body axes ``(2,)``, limb anchors ``(NUM_LIMBS, 2)`` in body
    coordinates and segment lengths ``(NUM_LIMBS, 2)`` (normalised frame units)."""

    layers: LayerStack
    axes: Tensor
    anchors: Tensor
    lengths: Tensor


def sprite_appearance(rng: np.random.Generator) -> SpriteAppearance:
    """Random object identity."""
    axes = rng.uniform([0.26, 0.17], [0.4, 0.3])
    lengths = rng.uniform([0.16, 0.13], [0.28, 0.22], (NUM_LIMBS, 2))
    widths = rng.uniform(0.06, 0.1, NUM_LIMBS)
    anchor_angles = np.array([np.pi, 0.0]) + rng.uniform(-0.6, 0.6, NUM_LIMBS)
    anchors = 0.8 * axes * np.stack([np.cos(anchor_angles), np.sin(anchor_angles)], -1)
    background = random_texture(rng, 1, rng.uniform(0.2, 0.8, 3), 0.35, (4.0, 10.0), rng.choice([0.0, 3.0]))
    body = random_texture(rng, 1, rng.uniform(0.1, 0.9, 3), 0.35, (4.0, 10.0), 4.0)
    limbs = random_texture(rng, 2 * NUM_LIMBS, np.repeat(rng.uniform(0.1, 0.9, (NUM_LIMBS, 3)), 2, 0),
                           0.3, (8.0, 16.0), 2.0)
    boxes = [[INFINITE, INFINITE, 0.0]]
    for limb in range(NUM_LIMBS):
        width = widths[limb]
        boxes += [[lengths[limb, s] / 2 + width / 2, width / 2, width / 2] for s in range(2)]
    boxes.insert(3, [1.0, 1.0, 1.0])  # body (unit circle, scaled to an ellipse by its placement)
    textures = [background, {k: v[:2] for k, v in limbs.items()}, body, {k: v[2:] for k, v in limbs.items()}]
    count = len(boxes)
    layers = LayerStack.build(boxes, textures, [0] + [1] * (count - 1), list(range(count)))
    return SpriteAppearance(layers, torch.as_tensor(axes, dtype=torch.float32),
                            torch.as_tensor(anchors, dtype=torch.float32),
                            torch.as_tensor(lengths, dtype=torch.float32))


def sprite_placements(appearance: SpriteAppearance, motion_rng: np.random.Generator, times: Tensor,
                      speed: float = 1.0, aspect: float = 1.0) -> tuple[Tensor, Tensor]:
    """Placements ``(T, L, 3, 3)`` and keypoints ``(T, NUM_KEYPOINTS, 2)`` (normalised) at frame ``times (T,)``.

    ``motion_rng`` must be a fresh generator for the motion stream: the same stream gives the same motion
    for any appearance. ``speed`` scales every motion frequency. ``aspect``: frame height / width, so
    objects keep their shape in non-square frames.
    """
    times = times.to(torch.float32) * speed
    centre = torch.as_tensor(motion_rng.uniform(-0.15, 0.15, 2), dtype=torch.float32)
    x = centre[0] + affine.smooth_signal(motion_rng, times, 0.25, 0.04)
    y = centre[1] + affine.smooth_signal(motion_rng, times, 0.2, 0.04)
    angle = float(motion_rng.uniform(-0.4, 0.4)) + affine.smooth_signal(motion_rng, times, 0.5, 0.04)
    scale = 1.0 + affine.smooth_signal(motion_rng, times, 0.15, 0.04)
    swings = [(affine.smooth_signal(motion_rng, times, 0.8, 0.06), affine.smooth_signal(motion_rng, times, 0.9, 0.06))
              for _ in range(NUM_LIMBS)]
    rigid = affine.translation(x, y) @ affine.scaling(scale * aspect, scale) @ affine.rotation(angle)
    zeros = torch.zeros_like(times)
    identity = torch.eye(3).expand(len(times), 3, 3)
    body = rigid @ affine.scaling(appearance.axes[0].expand_as(times), appearance.axes[1].expand_as(times))
    origin = torch.zeros(1, 2)
    limbs, keypoints = [], [affine.apply(rigid, origin)]
    for limb, (swing_upper, swing_lower) in enumerate(swings):
        anchor = appearance.anchors[limb]
        base_angle = torch.atan2(anchor[1], anchor[0])
        first, second = appearance.lengths[limb]
        shoulder = rigid @ affine.translation(anchor[0] + zeros, anchor[1] + zeros) @ affine.rotation(base_angle + swing_upper)
        elbow = shoulder @ affine.translation(first + zeros, zeros) @ affine.rotation(swing_lower)
        limbs.append((shoulder @ affine.translation(first / 2 + zeros, zeros),
                      elbow @ affine.translation(second / 2 + zeros, zeros)))
        keypoints += [affine.apply(shoulder, origin), affine.apply(elbow, origin),
                      affine.apply(elbow, torch.stack([second, torch.tensor(0.0)])[None])]
    placements = [identity, *limbs[0], body, *limbs[1]]
    return torch.stack(placements, 1), torch.cat(keypoints, 1)


class SpritesConfig(SyntheticConfig):
    """num_videos: distinct objects/videos; frames_per_video: length of each video (pairs and
    :meth:`SpritesDataset.video` clips are drawn from it)."""

    num_videos: int = Field(128, ge=1)
    frames_per_video: int = Field(32, ge=2)


class SpritesDataset(SyntheticDataset):
    """Frame pairs of articulated sprites (first-order motion model training data), generated on the fly.

    Item ``i`` -> ``{"source": (3, H, W), "driving": (3, H, W), "flow": (2, H, W), "visible": (1, H, W),
    "video_index": ()}``: two frames of video ``i % num_videos``; ``flow`` is the exact backward flow in
    pixels with ``warp(source, flow) ~ driving`` where ``visible`` is 1. Evaluation helpers: :meth:`video`
    (whole clips with keypoints and flows) and :meth:`cross_identity` (object A moved like object B).
    """

    name = "sprites"
    Config = SpritesConfig
    config: SpritesConfig

    def _render(self, appearance_index: int, motion_index: int, times: Tensor) -> tuple:
        appearance = sprite_appearance(self.rng(APPEARANCE, appearance_index))
        placements, keypoints = sprite_placements(appearance, self.rng(MOTION, motion_index), times,
                                                  aspect=self.config.height / self.config.width)
        rendering = render(appearance.layers, placements, self.config.height, self.config.width)
        return appearance, placements, keypoints, rendering

    def __getitem__(self, index: int) -> dict[str, Tensor]:
        index = self.check_index(index)
        video = index % self.config.num_videos
        source_time, driving_time = self.rng(PAIR, index).choice(self.config.frames_per_video, 2, replace=False)
        times = torch.tensor([source_time, driving_time])
        appearance, placements, _, rendering = self._render(video, video, times)
        flow, visible = backward_flow(appearance.layers, placements[1:], placements[:1], rendering.owner[1:])
        return {"source": rendering.frames[0], "driving": rendering.frames[1], "flow": flow[0],
                "visible": visible[0], "video_index": torch.tensor(video)}

    def video(self, video_index: int, num_frames: Optional[int] = None) -> dict[str, Tensor]:
        """Clip of video ``video_index``: ``{"video": (T, 3, H, W), "keypoints": (T, 7, 2)`` normalised,
        ``"flow": (T-1, 2, H, W)`` backward from frame t to t-1 in pixels, ``"visible": (T-1, 1, H, W),
        "owner": (T, H, W)`` layer index (0 = background)}."""
        frames = num_frames or self.config.frames_per_video
        appearance, placements, keypoints, rendering = self._render(video_index, video_index, torch.arange(frames))
        flow, visible = backward_flow(appearance.layers, placements[1:], placements[:-1], rendering.owner[1:])
        return {"video": rendering.frames, "keypoints": keypoints, "flow": flow, "visible": visible,
                "owner": rendering.owner}

    def cross_identity(self, appearance_index: int, motion_index: int,
                       num_frames: Optional[int] = None) -> dict[str, Tensor]:
        """Object ``appearance_index`` moved like object ``motion_index``.

        ``{"source": (3, H, W)`` object A in B's first pose, ``"driving": (T, 3, H, W)`` video of B,
        ``"target": (T, 3, H, W)`` exact result of transferring B's motion to A (absolute and relative
        transfer agree, since the source is already in B's first pose), ``"target_keypoints": (T, 7, 2)}``.
        """
        times = torch.arange(num_frames or self.config.frames_per_video)
        _, _, keypoints, target = self._render(appearance_index, motion_index, times)
        _, _, _, driving = self._render(motion_index, motion_index, times)
        return {"source": target.frames[0], "driving": driving.frames, "target": target.frames,
                "target_keypoints": keypoints}
