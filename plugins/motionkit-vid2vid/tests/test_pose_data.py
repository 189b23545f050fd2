"""pose2body data: the built-in config's 6-channel DensePose + OpenPose condition gives the official generator
input values and trains a (tiny) model."""
from __future__ import annotations

import json

import numpy as np
import torch
from PIL import Image

import motionkit as mk
from motionkit.configfile import builtin_configs, load_mapping, parse_run_config
from motionkit.io import write_frame_folder
from motionkit_vid2vid.condition import ConditionConfig, ConditionEncoder
from motionkit_vid2vid.method import Vid2Vid


def write_pose_dataset(root, frames=4, height=24, width=48):
    rng = np.random.default_rng(0)
    write_frame_folder(root / "train_img" / "dance", [rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
                                                      for _ in range(frames)])
    for folder in ("train_densepose", "train_openpose"):
        (root / folder / "dance").mkdir(parents=True)
    for t in range(frames):
        iuv = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
        iuv[..., 2] = rng.integers(0, 25, (height, width))
        Image.fromarray(iuv).save(root / "train_densepose" / "dance" / f"{t:05d}.png")
        body = np.zeros((25, 3))
        body[[1, 8, 2, 3]] = [[24, 2, 0.9], [24, 20, 0.9], [30, 3, 0.8], [33 + t, 12, 0.7]]
        (root / "train_openpose" / "dance" / f"{t:05d}_keypoints.json").write_text(
            json.dumps({"people": [{"pose_keypoints_2d": body.reshape(-1).tolist()}]}))


def test_pose2body_condition_is_the_official_input(tmp_path):
    write_pose_dataset(tmp_path)
    path = builtin_configs()["vid2vid/pose2body"]
    run = parse_run_config(load_mapping(path), str(path))
    params = {**run.data.params, "root": tmp_path, "num_frames": 4, "size": [16, 32], "center_crop": [16, 16]}
    dataset = mk.create("dataset", run.data.name, **params)
    clip = dataset.clip(0, 0)
    assert clip["conditions"].shape == (4, 6, 16, 16)
    method_config = Vid2Vid.Config(**run.model)
    encoded = ConditionEncoder(method_config.condition)({"conditions": clip["conditions"][None]})[0]
    assert encoded.shape == (4, 6, 16, 16) and encoded.min() >= -1 and encoded.max() <= 1
    # the official transform of the DensePose file: nearest resize, ToTensor, Normalize, part rescale, crop
    for t in range(4):
        image = Image.open(tmp_path / "train_densepose" / "dance" / f"{t:05d}.png").convert("RGB")
        pixels = np.asarray(image.resize((32, 16), Image.NEAREST))[:, 8:24]
        official = (torch.from_numpy(pixels.copy()).permute(2, 0, 1).float().div(255) - 0.5) / 0.5
        official[2] = ((official[2] * 0.5 + 0.5) * 255 / 24 - 0.5) / 0.5
        assert torch.equal(encoded[t, :3], official)
    assert encoded[:, 3:].max() > -1 and (encoded[:, 3:] == -1).any()   # pose lines on black (-1)


def test_tiny_pose_model_trains_on_six_channels(tmp_path):
    write_pose_dataset(tmp_path)
    dataset = mk.create("dataset", "paired-sequences", root=tmp_path, frames_dir="train_img", condition_type="images",
                        conditions_dir=[{"dir": "train_densepose", "kind": "densepose", "drop_prob": 0.05},
                                        {"dir": "train_openpose", "kind": "openpose", "drop_prob": 0.05}],
                        num_frames=4, size=[16, 32], center_crop=[16, 16])
    batch = next(iter(torch.utils.data.DataLoader(dataset, batch_size=1)))
    torch.manual_seed(0)
    method = Vid2Vid(generator=dict(frame_channels=6, ngf=8, n_downsample=2, n_blocks=2, n_scales=1),
                     condition=ConditionConfig(kind="image", channels=6), no_first_img=True, ndf=8, n_layers_D=2,
                     num_D=1, temporal_scales=1, lambda_vgg=0.0, initial_frames=3, max_frames=4)
    method.set_training_progress(99, 100)
    out = method.generator_step(batch)
    assert all(torch.isfinite(v) for v in out.losses.values())
    sum(out.losses.values()).backward()
