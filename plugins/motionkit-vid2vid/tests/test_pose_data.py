"""pose2body data: the built-in config's 6-channel DensePose + OpenPose condition gives the official generator
input values, trains a (tiny) model, and feeds ``motionkit synthesize`` from the condition folders."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

import motionkit as mk
from motionkit.checkpoint import save_method
from motionkit.cli import main
from motionkit.configfile import builtin_configs, load_mapping, parse_run_config
from motionkit.errors import ConfigError, InputError
from motionkit.io import open_video, write_frame_folder
from motionkit_vid2vid import Vid2VidSynthesizer
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


def tiny_pose_model() -> Vid2Vid:
    torch.manual_seed(0)
    return Vid2Vid(generator=dict(frame_channels=6, ngf=8, n_downsample=2, n_blocks=2, n_scales=1),
                   condition=ConditionConfig(kind="image", channels=6), no_first_img=True, ndf=8, n_layers_D=2,
                   num_D=1, temporal_scales=1, lambda_vgg=0.0, initial_frames=3, max_frames=4)


def pose_dataset(root, drop_prob=0.05):
    return mk.create("dataset", "paired-sequences", root=root, frames_dir="train_img", condition_type="images",
                     conditions_dir=[{"dir": "train_densepose", "kind": "densepose", "drop_prob": drop_prob},
                                     {"dir": "train_openpose", "kind": "openpose", "drop_prob": drop_prob}],
                     num_frames=4, size=[16, 32], center_crop=[16, 16])


def test_tiny_pose_model_trains_on_six_channels(tmp_path):
    write_pose_dataset(tmp_path)
    batch = next(iter(torch.utils.data.DataLoader(pose_dataset(tmp_path), batch_size=1)))
    method = tiny_pose_model()
    method.set_training_progress(99, 100)
    out = method.generator_step(batch)
    assert all(torch.isfinite(v) for v in out.losses.values())
    sum(out.losses.values()).backward()


def test_synthesize_from_condition_folders(tmp_path):
    """``--condition densepose:DIR openpose:DIR``: one output frame per condition frame, at --fps (default 25)."""
    write_pose_dataset(tmp_path, frames=5)
    checkpoint = save_method(tiny_pose_model(), tmp_path / "pose.safetensors")
    folders = [f"densepose:{tmp_path / 'train_densepose' / 'dance'}", f"openpose:{tmp_path / 'train_openpose' / 'dance'}"]
    command = ["synthesize", "--method", "vid2vid", "--checkpoint", str(checkpoint), "--condition", *folders,
               "--size", "16", "32", "--center-crop", "16", "16"]
    assert main([*command, "--out", str(tmp_path / "out.mp4")]) in (0, None)
    video = open_video(tmp_path / "out.mp4")
    assert len(video) == 5 and (video.height, video.width) == (16, 16) and video.fps == 25
    assert main([*command, "--out", str(tmp_path / "slow.mp4"), "--fps", "10"]) in (0, None)
    assert open_video(tmp_path / "slow.mp4").fps == 10
    openpose_only = ["synthesize", "--method", "vid2vid", "--checkpoint", str(checkpoint), "--condition",
                     f"openpose:{tmp_path / 'train_openpose' / 'dance'}", f"openpose:{tmp_path / 'train_openpose' / 'dance'}",
                     "--size", "16", "32", "--center-crop", "16", "16", "--out", str(tmp_path / "poses.mp4")]
    assert main(openpose_only) not in (0, None)   # nothing to take the canvas size from
    assert main([*openpose_only, "--source-size", "24", "48"]) in (0, None)
    assert len(open_video(tmp_path / "poses.mp4")) == 5


def test_folder_conditions_are_the_datasets(tmp_path):
    """The synthesizer's per-frame generator input is the dataset's condition (without label dropping)."""
    write_pose_dataset(tmp_path)
    clip = pose_dataset(tmp_path).clip(0, 0)["conditions"]
    synth = Vid2VidSynthesizer(tiny_pose_model(), size=(16, 32), center_crop=(16, 16))
    folders = [{"dir": tmp_path / "train_densepose" / "dance", "kind": "densepose"},
               {"dir": tmp_path / "train_openpose" / "dance", "kind": "openpose"}]
    conditions = list(synth.conditions(folders))
    assert len(conditions) == 4
    for t, condition in enumerate(conditions):
        assert condition.shape == (1, 6, 16, 16) and torch.equal(condition[0], clip[t] * 2 - 1)
    frames = list(synth.frames(folders))
    assert len(frames) == 4 and frames[0].shape == (3, 16, 16)
    # OpenPose is drawn on the frames' canvas (24x48 here); another source_size moves the pose lines only
    same = list(synth.conditions(folders, source_size=(24, 48)))
    assert all(torch.equal(a, b) for a, b in zip(same, conditions))
    other = list(synth.conditions(folders, source_size=(48, 96)))
    assert all(torch.equal(a[:, :3], b[:, :3]) for a, b in zip(other, conditions))
    assert any(not torch.equal(a[:, 3:], b[:, 3:]) for a, b in zip(other, conditions))


def test_condition_folder_errors(tmp_path, capsys):
    write_pose_dataset(tmp_path)
    synth = Vid2VidSynthesizer(tiny_pose_model(), size=(16, 32))
    dense, pose = tmp_path / "train_densepose" / "dance", tmp_path / "train_openpose" / "dance"
    folders = [{"dir": dense, "kind": "densepose"}, {"dir": pose, "kind": "openpose"}]
    with pytest.raises(InputError, match="condition folders .* give 3 channels .* takes an 'image' condition of 6"):
        next(synth.frames(folders[:1]))
    with pytest.raises(ConfigError, match="instances go with a label-map condition"):
        next(synth.frames(folders, instances=dense))
    with pytest.raises(ConfigError, match="center_crop and source_size apply to condition folders"):
        next(Vid2VidSynthesizer(tiny_pose_model(), center_crop=(16, 16)).frames(dense))
    with pytest.raises(ConfigError, match="kind"):
        next(synth.frames([{"dir": dense, "kind": "densepos"}, folders[1]]))
    (pose / "00002_keypoints.json").unlink()
    with pytest.raises(InputError, match=f"{pose}: 3 files but {dense} has 4 .*has 00002.png"):
        synth.synthesize(folders, tmp_path / "out.mp4")
    assert not (tmp_path / "out.mp4").exists()
    checkpoint = save_method(tiny_pose_model(), tmp_path / "pose.safetensors")
    assert main(["synthesize", "--method", "vid2vid", "--checkpoint", str(checkpoint), "--condition",
                 f"densepose:{dense}", f"openpose:{pose}", "--size", "16", "32",
                 "--out", str(tmp_path / "out.mp4")]) not in (0, None)
    assert f"{pose}: 3 files" in capsys.readouterr().err
