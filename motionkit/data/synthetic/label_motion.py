"""``label-motion``: a first frame and its label map; every class moves in its own way, at a random speed.

For single-image video prediction (img2vid): the label map says *what* is where, and each class has a
characteristic motion, so the label map constrains the future while the random speeds keep it diverse.
Classes: ``background`` (static), ``slider`` (horizontal translation), ``spinner`` (rotation about its
centre), ``pulser`` (periodic scaling), ``bouncer`` (vertical oscillation).
"""
from __future__ import annotations

import numpy as np
import torch
from pydantic import Field
from torch import Tensor

from . import affine
from .base import SyntheticConfig, SyntheticDataset
from .layers import INFINITE, LayerStack, backward_flow, random_texture, render

LABEL_MOTION_CLASSES = ("background", "slider", "spinner", "pulser", "bouncer")
BACKGROUND, SLIDER, SPINNER, PULSER, BOUNCER = range(len(LABEL_MOTION_CLASSES))
#: colour family of each class's texture
CLASS_COLOURS = np.array([[0.5, 0.5, 0.5], [0.85, 0.3, 0.2], [0.2, 0.4, 0.85], [0.3, 0.8, 0.3], [0.85, 0.75, 0.2]])


def class_motion(label: int, speed: float, phase: float, times: Tensor) -> Tensor:
    """Motion of an object of class ``label`` about its own centre: ``(T, 3, 3)`` at frame ``times``.

    ``speed`` in [0, 1] scales the class's nominal rate (sliders: up to 0.08 units/frame; spinners: up to
    0.25 rad/frame; pulsers and bouncers: up to 0.15 cycles/frame)."""
    zeros = torch.zeros_like(times)
    if label == SLIDER:
        return affine.translation(0.08 * speed * times, zeros)
    if label == SPINNER:
        return affine.rotation(0.25 * speed * times)
    if label == PULSER:
        factor = 1 + 0.35 * torch.sin(2 * np.pi * 0.15 * speed * times + phase) - 0.35 * np.sin(phase)
        return affine.scaling(factor, factor)
    if label == BOUNCER:
        offset = 0.25 * (torch.sin(2 * np.pi * 0.15 * speed * times + phase) - np.sin(phase))
        return affine.translation(zeros, offset)
    return affine.translation(zeros, zeros)


def label_motion_scene(rng: np.random.Generator, times: Tensor, max_objects: int) -> tuple[LayerStack, Tensor]:
    """Random objects over a static background: layers and placements ``(T, L, 3, 3)``."""
    times = times.to(torch.float32)
    count = int(rng.integers(2, max_objects + 1))
    labels = rng.integers(1, len(LABEL_MOTION_CLASSES), count)
    boxes = [[INFINITE, INFINITE, 0.0]]
    textures = [random_texture(rng, 1, CLASS_COLOURS[BACKGROUND], 0.25, (3.0, 8.0), 0.0)]
    placements = [torch.eye(3).expand(len(times), 3, 3)]
    for label in labels:
        half = rng.uniform(0.12, 0.28, 2)
        radius = half.min() * rng.choice([0.2, 1.0])
        boxes.append([half[0], half[1], radius])
        textures.append(random_texture(rng, 1, CLASS_COLOURS[label], 0.3, (6.0, 14.0), 2.0))
        centre = rng.uniform(-0.6, 0.6, 2)
        speed = rng.uniform(0.25, 1.0) * rng.choice([-1.0, 1.0])
        home = affine.translation(torch.full_like(times, centre[0]), torch.full_like(times, centre[1]))
        placements.append(home @ class_motion(int(label), speed, rng.uniform(0, 2 * np.pi), times))
    layers = LayerStack.build(boxes, textures, [BACKGROUND, *labels.tolist()], list(range(count + 1)))
    return layers, torch.stack(placements, 1)


class LabelMotionConfig(SyntheticConfig):
    """num_frames: clip length T (frame 0 is the given first frame); max_objects: objects per clip (>= 2)."""

    num_frames: int = Field(8, ge=2)
    max_objects: int = Field(5, ge=2, le=32)


class LabelMotionDataset(SyntheticDataset):
    """First frame + label map with class-specific motions (img2vid training data), generated on the fly.

    Item -> ``{"first_frame": (3, H, W), "label_map": (H, W)`` int64 of the first frame, ``"frames": (T, 3,
    H, W)`` (frame 0 = first_frame), ``"labels": (T, H, W)``, ``"flow": (T-1, 2, H, W)`` backward from
    frame t to t-1 in pixels, ``"visible": (T-1, 1, H, W)``, ``"flow_to_first": (T, 2, H, W)`` backward from
    frame t to frame 0 (``warp(first_frame, flow_to_first[t]) ~ frames[t]``), ``"visible_to_first": (T, 1,
    H, W)}``. Class names: ``LABEL_MOTION_CLASSES``.
    """

    name = "label-motion"
    Config = LabelMotionConfig
    config: LabelMotionConfig
    num_classes = len(LABEL_MOTION_CLASSES)
    class_names = LABEL_MOTION_CLASSES

    def __getitem__(self, index: int) -> dict[str, Tensor]:
        index = self.check_index(index)
        frames = self.config.num_frames
        layers, placements = label_motion_scene(self.rng(1, index), torch.arange(frames), self.config.max_objects)
        rendering = render(layers, placements, self.config.height, self.config.width)
        flow, visible = backward_flow(layers, placements[1:], placements[:-1], rendering.owner[1:])
        first = placements[:1].expand(frames, -1, -1, -1)
        flow_first, visible_first = backward_flow(layers, placements, first, rendering.owner)
        return {"first_frame": rendering.frames[0], "label_map": rendering.labels[0], "frames": rendering.frames,
                "labels": rendering.labels, "flow": flow, "visible": visible, "flow_to_first": flow_first,
                "visible_to_first": visible_first}
