"""``dancers``: articulated figures with COCO-18 keypoints dancing in front of a static background.

Each identity has its own clothes, skin, background, limb proportions, size and position; its face (a skin
ellipse with eyes and mouth) is distinct from the clothes, as Everybody Dance Now's face GAN needs. Motion
(the dance: swinging arms, stepping legs, swaying, bobbing, head tilts) comes from a random stream that is
independent of the identity, so identity A can perform identity B's dance: exact ground truth for pose
normalisation and transfer between identities.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

import numpy as np
import torch
from pydantic import Field
from torch import Tensor

from ...conditions.openpose_files import OpenPoseFrame, write_openpose_json
from ...conditions.pose_render import render_openpose
from ...motion import Pose
from . import affine
from .base import SyntheticConfig, SyntheticDataset
from .layers import INFINITE, LayerStack, backward_flow, random_texture, render

APPEARANCE, MOTION, CLIP = 1, 2, 3
#: COCO-18 joint names in OpenPose order
COCO18_JOINTS = ("nose", "neck", "right_shoulder", "right_elbow", "right_wrist", "left_shoulder", "left_elbow",
                 "left_wrist", "right_hip", "right_knee", "right_ankle", "left_hip", "left_knee", "left_ankle",
                 "right_eye", "left_eye", "right_ear", "left_ear")
#: body part classes of the ``parts`` map
DANCER_PARTS = ("background", "torso", "arm", "leg", "face")


@dataclass
class DancerIdentity:
    """Proportions (body units: the figure is about one unit tall), size, placement and appearance."""

    proportions: dict[str, float]
    size: float
    position: tuple[float, float]
    layers: LayerStack


def dancer_identity(rng: np.random.Generator) -> DancerIdentity:
    """Random identity: proportions, size (normalised frame heights per body unit), feet position, colours."""
    p = {
        "torso": rng.uniform(0.27, 0.33), "neck": rng.uniform(0.03, 0.05), "head": rng.uniform(0.065, 0.085),
        "shoulder": rng.uniform(0.085, 0.115), "hip": rng.uniform(0.055, 0.08),
        "upper_arm": rng.uniform(0.14, 0.18), "forearm": rng.uniform(0.13, 0.16),
        "thigh": rng.uniform(0.21, 0.25), "shin": rng.uniform(0.2, 0.24),
        "arm_width": rng.uniform(0.045, 0.06), "leg_width": rng.uniform(0.06, 0.08),
    }
    size = rng.uniform(1.0, 1.6)
    leg = p["thigh"] + p["shin"] + p["leg_width"] / 2
    ground = rng.uniform(0.75, 0.95)
    position = (rng.uniform(-0.35, 0.35), ground - leg * size)
    shirt, pants, skin = rng.uniform(0.1, 0.9, 3), rng.uniform(0.05, 0.7, 3), rng.uniform([0.55, 0.35, 0.25], [0.95, 0.75, 0.6])
    textures = [random_texture(rng, 1, rng.uniform(0.3, 0.9, 3), 0.3, (3.0, 9.0), rng.choice([0.0, 3.0]))]
    textures += [random_texture(rng, 4, pants, 0.2, (20.0, 40.0), 1.0)]
    textures += [random_texture(rng, 1, shirt, 0.35, (15.0, 30.0), 4.0)]
    textures += [random_texture(rng, 4, shirt, 0.2, (20.0, 40.0), 1.0)]
    textures += [random_texture(rng, 1, skin, 0.08, (10.0, 20.0), 0.0)]
    textures += [random_texture(rng, 2, [0.08, 0.08, 0.1], 0.02, (1.0, 2.0), 0.0)]
    textures += [random_texture(rng, 1, [0.7, 0.15, 0.15], 0.05, (1.0, 2.0), 0.0)]

    def limb(length: float, width: float) -> list[float]:
        return [length / 2 + width / 2, width / 2, width / 2]

    r = p["head"]
    boxes = [[INFINITE, INFINITE, 0.0]]
    boxes += [limb(p["thigh"], p["leg_width"]), limb(p["shin"], p["leg_width"])] * 2
    boxes += [[p["shoulder"], p["torso"] / 2 + 0.02, 0.04]]
    boxes += [limb(p["upper_arm"], p["arm_width"]), limb(p["forearm"], p["arm_width"])] * 2
    boxes += [[r, 1.15 * r, r], [0.14 * r, 0.14 * r, 0.14 * r], [0.14 * r, 0.14 * r, 0.14 * r], [0.35 * r, 0.1 * r, 0.1 * r]]
    labels = [0, 3, 3, 3, 3, 1, 2, 2, 2, 2, 4, 4, 4, 4]
    layers = LayerStack.build(boxes, textures, labels, list(range(len(labels))))
    return DancerIdentity(p, size, position, layers)


def dance(identity: DancerIdentity, rng: np.random.Generator, times: Tensor, height: int, width: int
          ) -> tuple[Tensor, Tensor]:
    """Placements ``(T, L, 3, 3)`` and COCO-18 keypoints ``(T, 18, 2)`` (normalised) of ``identity``
    dancing the dance of the motion stream ``rng`` at frame ``times (T,)``."""
    t = times.to(torch.float32)
    tempo = rng.uniform(0.04, 0.09)

    def wave(amplitude: float, offset: float = 0.0, harmonic: float = 1.0) -> Tensor:
        phase = rng.uniform(0, 2 * np.pi)
        return offset + amplitude * torch.sin(2 * np.pi * tempo * harmonic * t + phase)

    sway, bob, lean, tilt = wave(0.12), wave(0.03, harmonic=2.0), wave(0.12), wave(0.2)
    lift = {side: wave(0.9, 0.9) for side in ("right", "left")}
    bend = {side: wave(0.7, 0.7) for side in ("right", "left")}
    step = wave(0.25)
    knee = {"right": 0.35 * (1 + torch.sin(2 * np.pi * tempo * t)), "left": 0.35 * (1 - torch.sin(2 * np.pi * tempo * t))}
    p = identity.proportions
    zeros = torch.zeros_like(t)

    def move(x, y) -> Tensor:
        return affine.translation(torch.as_tensor(x, dtype=torch.float32) + zeros, torch.as_tensor(y, dtype=torch.float32) + zeros)

    def turn(angle) -> Tensor:
        return affine.rotation(torch.as_tensor(angle, dtype=torch.float32) + zeros)

    size = torch.full_like(t, identity.size)
    root = (move(identity.position[0] + sway * 0.3, identity.position[1] + bob) @ affine.scaling(size * height / width, size)
            @ turn(lean * 0.5))
    origin = torch.zeros(1, 2)
    keypoints: dict[str, Tensor] = {}

    def segment(parent: Tensor, angle, length: float) -> tuple[Tensor, Tensor]:
        """Placement of a capsule from ``parent``'s origin along ``angle``, and the child joint frame."""
        joint = parent @ turn(angle)
        return joint @ move(length / 2, 0.0), joint @ move(length, 0.0)

    placements = {}
    for side, sign, angle in (("left", 1.0, np.pi / 2 - step), ("right", -1.0, np.pi / 2 + step)):
        hip = root @ move(sign * p["hip"], 0.0)
        keypoints[f"{side}_hip"] = affine.apply(hip, origin)
        placements[f"{side}_thigh"], knee_frame = segment(hip, angle + sign * 0.05, p["thigh"])
        keypoints[f"{side}_knee"] = affine.apply(knee_frame, origin)
        shin, ankle = segment(knee_frame, -sign * knee[side], p["shin"])
        placements[f"{side}_shin"] = shin
        keypoints[f"{side}_ankle"] = affine.apply(ankle, origin)
    neck = root @ move(0.0, -p["torso"])
    keypoints["neck"] = affine.apply(neck, origin)
    placements["torso"] = root @ move(0.0, -p["torso"] / 2)
    for side, sign in (("left", 1.0), ("right", -1.0)):
        shoulder = neck @ move(sign * p["shoulder"] * 0.85, 0.02)
        keypoints[f"{side}_shoulder"] = affine.apply(shoulder, origin)
        angle = np.pi / 2 - sign * lift[side]
        placements[f"{side}_upper_arm"], elbow = segment(shoulder, angle, p["upper_arm"])
        keypoints[f"{side}_elbow"] = affine.apply(elbow, origin)
        placements[f"{side}_forearm"], wrist = segment(elbow, -sign * bend[side], p["forearm"])
        keypoints[f"{side}_wrist"] = affine.apply(wrist, origin)
    r = p["head"]
    head = neck @ turn(tilt * 0.5) @ move(0.0, -(p["neck"] + 1.15 * r))
    placements["head"] = head
    for side, sign in (("left", 1.0), ("right", -1.0)):
        placements[f"{side}_eye"] = head @ move(sign * 0.38 * r, -0.12 * r)
        keypoints[f"{side}_eye"] = affine.apply(placements[f"{side}_eye"], origin)
        keypoints[f"{side}_ear"] = affine.apply(head @ move(sign * 0.92 * r, 0.0), origin)
    keypoints["nose"] = affine.apply(head @ move(0.0, 0.25 * r), origin)
    placements["mouth"] = head @ move(0.0, 0.6 * r)
    order = ["left_thigh", "left_shin", "right_thigh", "right_shin", "torso", "left_upper_arm", "left_forearm",
             "right_upper_arm", "right_forearm", "head", "right_eye", "left_eye", "mouth"]
    stacked = torch.stack([torch.eye(3).expand(len(t), 3, 3)] + [placements[name] for name in order], 1)
    return stacked, torch.cat([keypoints[name] for name in COCO18_JOINTS], 1)


def normalised_to_pixels(points: Tensor, height: int, width: int) -> Tensor:
    """Normalised ``(..., 2)`` (align_corners=False) -> pixel coordinates, pixel centres at integers."""
    scale = torch.tensor([width / 2, height / 2])
    return (points + 1) * scale - 0.5


class DancersConfig(SyntheticConfig):
    """num_identities: distinct dancers (item i shows identity ``i % num_identities``); num_frames: clip
    length T; frames_per_video: length of each identity's video, from which clips start."""

    num_identities: int = Field(4, ge=1)
    num_frames: int = Field(2, ge=1)
    frames_per_video: int = Field(256, ge=1)


class DancersDataset(SyntheticDataset):
    """Dancing figures with COCO-18 poses (everybody-dance-now training data), generated on the fly.

    Item -> ``{"frames": (T, 3, H, W)``, ``"keypoints": (T, 18, 2)`` pixels (x first), ``"confidence": (T,
    18)`` (0 for joints outside the frame), ``"pose_images": (T, 3, H, W)`` OpenPose-style label images of the
    keypoints (EverybodyDanceNow's rendering), ``"parts": (T, H, W)`` int64 body part map (``DANCER_PARTS``),
    ``"face_box": (T, 4)`` int64 ``[y0, y1, x0, x1]`` square box around the head (end exclusive),
    ``"identity": ()}``. :meth:`cross_identity` renders one identity with another's dance.
    """

    name = "dancers"
    Config = DancersConfig
    config: DancersConfig
    joint_names = COCO18_JOINTS

    def clip(self, identity: int, motion: int, times: Tensor) -> dict[str, Tensor]:
        """Identity ``identity`` dancing dance ``motion`` at frames ``times``, with its ground truth and
        ``"flow"``/``"visible"`` between consecutive frames."""
        height, width = self.config.height, self.config.width
        person = dancer_identity(self.rng(APPEARANCE, identity))
        placements, keypoints = dance(person, self.rng(MOTION, motion), times, height, width)
        rendering = render(person.layers, placements, height, width)
        pixels = normalised_to_pixels(keypoints, height, width)
        inside = (pixels[..., 0] > -0.5) & (pixels[..., 0] < width - 0.5) & (pixels[..., 1] > -0.5) & (pixels[..., 1] < height - 0.5)
        head_pixels = person.proportions["head"] * person.size * height / 2
        side = max(4, int(round(2.8 * head_pixels)))
        centre = pixels[:, 0].round().long()
        y0 = (centre[:, 1] - side // 2).clamp(0, max(0, height - side))
        x0 = (centre[:, 0] - side // 2).clamp(0, max(0, width - side))
        box = torch.stack([y0, (y0 + side).clamp(max=height), x0, (x0 + side).clamp(max=width)], -1)
        flow, visible = backward_flow(person.layers, placements[1:], placements[:-1], rendering.owner[1:])
        confidence = inside.float()
        pose_images = [render_openpose(OpenPoseFrame(Pose(pixels[i:i + 1].double(), confidence[i:i + 1].double())),
                                       height, width) for i in range(len(times))]
        return {"frames": rendering.frames, "keypoints": pixels, "confidence": confidence,
                "pose_images": torch.from_numpy(np.stack(pose_images)).permute(0, 3, 1, 2).float() / 255.0,
                "parts": rendering.labels, "face_box": box, "flow": flow, "visible": visible}

    def openpose_frames(self, identity: int, num_frames: int) -> list[OpenPoseFrame]:
        """The keypoints of ``identity``'s first ``num_frames`` frames as OpenPose frames (for
        :func:`motionkit.conditions.write_openpose_json`: the files an OpenPose run would have produced)."""
        clip = self.video(identity, num_frames)
        return [OpenPoseFrame(Pose(clip["keypoints"][i:i + 1].double(), clip["confidence"][i:i + 1].double()))
                for i in range(num_frames)]

    def export_openpose(self, identity: int, num_frames: int, folder: Union[str, os.PathLike]) -> list[Path]:
        """Write ``folder/frame000000_keypoints.json ...`` (OpenPose JSON, COCO-18) for ``identity``'s video."""
        folder = Path(folder)
        return [write_openpose_json(folder / f"frame{t:06d}_keypoints.json", frame)
                for t, frame in enumerate(self.openpose_frames(identity, num_frames))]

    def __getitem__(self, index: int) -> dict[str, Tensor]:
        index = self.check_index(index)
        identity = index % self.config.num_identities
        frames = self.config.num_frames
        start = int(self.rng(CLIP, index).integers(0, max(1, self.config.frames_per_video - frames + 1)))
        item = self.clip(identity, identity, torch.arange(start, start + frames))
        item["identity"] = torch.tensor(identity)
        del item["flow"], item["visible"]
        return item

    def video(self, identity: int, num_frames: Optional[int] = None) -> dict[str, Tensor]:
        """The first ``num_frames`` frames of ``identity``'s own video, with keys as :meth:`clip`."""
        return self.clip(identity, identity, torch.arange(num_frames or self.config.frames_per_video))

    def cross_identity(self, identity: int, motion: int, num_frames: int) -> dict[str, Tensor]:
        """``{"driving": clip of `motion` dancing its own dance, "target": clip of `identity` dancing it}``,
        each a dict as :meth:`clip` returns."""
        times = torch.arange(num_frames)
        return {"driving": self.clip(motion, motion, times), "target": self.clip(identity, motion, times)}
