"""``scenes``: label maps, instance maps and frames of a moving street scene with exact flow, for vid2vid.

A side view of a street: sky, buildings, trees and road (stuff classes) scroll with a panning camera (the sky
with parallax), cars and pedestrians (thing classes, one instance id each) move on their own and occlude
each other and the background. Each class has its own texture family.
"""
from __future__ import annotations

import numpy as np
import torch
from pydantic import Field
from torch import Tensor

from . import affine
from .base import SyntheticConfig, SyntheticDataset
from .layers import INFINITE, LayerStack, backward_flow, grid_texture, random_texture, render

#: class names in id order
SCENE_CLASSES = ("sky", "building", "vegetation", "road", "person", "car")
SKY, BUILDING, VEGETATION, ROAD, PERSON, CAR = range(len(SCENE_CLASSES))
#: classes whose instances get their own id ``label * 1000 + k`` (Cityscapes convention)
THING_CLASSES = (PERSON, CAR)
SCENE, MOTION = 1, 2


def street_scene(rng: np.random.Generator, times: Tensor, pan_speed: float) -> tuple[LayerStack, Tensor]:
    """Random street: layers and their placements ``(T, L, 3, 3)`` at frame ``times (T,)``."""
    times = times.to(torch.float32)
    horizon = rng.uniform(-0.25, 0.0)
    pan = rng.uniform(-pan_speed, pan_speed) * times + affine.smooth_signal(rng, times, 0.03, 0.05)
    reach = 1.2 + abs(pan).max().item()
    boxes, textures, labels, instances, centres = [], [], [], [], []

    def add(box, texture, label, instance, centre, parallax=1.0, own=None):
        boxes.append(box)
        textures.append(texture)
        labels.append(label)
        instances.append(instance)
        offset = -pan * parallax + (own if own is not None else 0.0)
        centres.append((torch.full_like(times, centre[0]) + offset, torch.full_like(times, centre[1])))

    add([INFINITE, INFINITE, 0.0], random_texture(rng, 1, [0.45, 0.65, 0.95], 0.15, (1.0, 3.0), 0.0), SKY, SKY,
        (0.0, 0.0), parallax=0.2)
    x = -reach
    while x < reach:
        half_w = rng.uniform(0.14, 0.3)
        top = rng.uniform(-0.95, -0.45)
        half_h = (horizon + 0.05 - top) / 2
        add([half_w, half_h, 0.0], grid_texture(rng, 1, rng.uniform(0.35, 0.75, 3), 0.35, (25.0, 45.0), 6.0),
            BUILDING, BUILDING, (x + half_w, top + half_h))
        x += 2 * half_w + rng.uniform(0.0, 0.15)
    for _ in range(rng.integers(2, 5)):
        radius = rng.uniform(0.1, 0.2)
        add([radius, radius * rng.uniform(1.0, 1.5), radius], random_texture(rng, 1, [0.2, 0.55, 0.2], 0.2,
            (20.0, 35.0), 1.5), VEGETATION, VEGETATION, (rng.uniform(-reach, reach), horizon - radius * 0.8))
    add([INFINITE, INFINITE, 0.0], random_texture(rng, 1, [0.38, 0.38, 0.4], 0.12, (6.0, 12.0), 0.0), ROAD, ROAD,
        (0.0, horizon + INFINITE))
    things = [(PERSON, k) for k in range(rng.integers(1, 3))] + [(CAR, k) for k in range(rng.integers(1, 4))]
    rows = {thing: rng.uniform(horizon + 0.15, 0.85) for thing in things}
    for label, k in sorted(things, key=lambda thing: rows[thing]):  # nearer (lower) things in front
        bottom = rows[(label, k)]
        if label == CAR:
            half_w, half_h = rng.uniform(0.16, 0.26), rng.uniform(0.08, 0.14)
            speed = rng.choice([-1, 1]) * rng.uniform(0.02, 0.07)
            texture = random_texture(rng, 1, rng.uniform(0.05, 0.95, 3), 0.15, (5.0, 10.0), 0.0)
            box = [half_w, half_h, half_h * 0.6]
        else:
            half_w, half_h = rng.uniform(0.035, 0.05), rng.uniform(0.12, 0.18)
            speed = rng.choice([-1, 1]) * rng.uniform(0.005, 0.02)
            texture = random_texture(rng, 1, rng.uniform(0.2, 0.8, 3), 0.3, (15.0, 30.0), 3.0)
            box = [half_w, half_h, half_w]
        start = rng.uniform(-0.9, 0.9)
        add(box, texture, label, label * 1000 + k, (start, bottom - half_h), own=speed * times)
    layers = LayerStack.build(boxes, textures, labels, instances)
    placements = torch.stack([affine.translation(cx, cy) for cx, cy in centres], 1)
    return layers, placements


class ScenesConfig(SyntheticConfig):
    """num_frames: clip length T; pan_speed: largest camera speed in normalised units per frame."""

    num_frames: int = Field(8, ge=1)
    pan_speed: float = Field(0.04, ge=0.0, le=0.5)


class ScenesDataset(SyntheticDataset):
    """Street-scene clips (vid2vid training data), generated on the fly.

    Item -> ``{"frames": (T, 3, H, W)`` in [0, 1], ``"labels": (T, H, W)`` int64 class ids (see
    ``SCENE_CLASSES``), ``"instances": (T, H, W)`` int64 (``label * 1000 + k`` for persons and cars, the
    label for stuff), ``"flow": (T-1, 2, H, W)`` exact backward flow in pixels from frame t to t-1,
    ``"visible": (T-1, 1, H, W)`` 1 where the pixel of frame t is visible in frame t-1}``.
    """

    name = "scenes"
    Config = ScenesConfig
    config: ScenesConfig
    num_classes = len(SCENE_CLASSES)
    class_names = SCENE_CLASSES

    def __getitem__(self, index: int) -> dict[str, Tensor]:
        index = self.check_index(index)
        frames = self.config.num_frames
        layers, placements = street_scene(self.rng(SCENE, index), torch.arange(frames), self.config.pan_speed)
        rendering = render(layers, placements, self.config.height, self.config.width)
        flow, visible = backward_flow(layers, placements[1:], placements[:-1], rendering.owner[1:])
        return {"frames": rendering.frames, "labels": rendering.labels, "instances": rendering.instances,
                "flow": flow, "visible": visible}
