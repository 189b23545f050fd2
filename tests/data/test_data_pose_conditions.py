"""paired-sequences with several condition folders: vid2vid's 6-channel DensePose + OpenPose pose input."""
import json

import numpy as np
import pytest
import torch
from PIL import Image

from motionkit.conditions import parse_openpose_json, render_openpose_edges
from motionkit.data import (
    AugmentationConfig,
    ConditionFolder,
    PairedSequencesDataset,
    condition_frame_files,
    read_condition_frame,
)
from motionkit.errors import ConfigError, InputError
from motionkit.io import write_frame_folder

HEIGHT, WIDTH, FRAMES = 20, 32, 4
POSE_FOLDERS = [{"dir": "train_densepose", "kind": "densepose"}, {"dir": "train_openpose", "kind": "openpose"}]


def iuv(t):
    """DensePose IUV of frame t: V = 10 t, U a ramp, part index 0..24 in 4-pixel column bands (24 = head)."""
    image = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    image[..., 0] = 10 * t
    image[..., 1] = np.arange(WIDTH, dtype=np.uint8) * 7
    image[..., 2] = np.minimum(np.arange(WIDTH) // 4 * 3 + t, 24)
    return image


def keypoints(t):
    body = np.zeros((25, 3))
    body[1], body[8], body[2] = (16 + t, 3, 0.9), (16 + t, 17, 0.9), (26, 3, 0.9)
    return {"people": [{"pose_keypoints_2d": body.reshape(-1).tolist()}]}


@pytest.fixture
def pose_root(tmp_path):
    for sequence in ("seq0", "seq1"):
        write_frame_folder(tmp_path / "train_img" / sequence,
                           [np.full((HEIGHT, WIDTH, 3), 10 * t, np.uint8) for t in range(FRAMES)])
        for folder in ("train_densepose", "train_openpose"):
            (tmp_path / folder / sequence).mkdir(parents=True)
        for t in range(FRAMES):
            Image.fromarray(iuv(t)).save(tmp_path / "train_densepose" / sequence / f"{t:06d}.png")
            (tmp_path / "train_openpose" / sequence / f"{t:06d}_keypoints.json").write_text(json.dumps(keypoints(t)))
    return tmp_path


def nearest_crop(image, size=(10, 16), crop=(10, 8)):
    """What the official pose dataset does: Pillow nearest resize, then the central crop."""
    resized = np.asarray(Image.fromarray(image).resize(size[::-1], Image.NEAREST))
    left = (size[1] - crop[1]) // 2
    return torch.from_numpy(resized[:, left:left + crop[1]].copy()).permute(2, 0, 1).float() / 255


def test_six_channel_pose_condition_values(pose_root):
    dataset = PairedSequencesDataset(root=pose_root, frames_dir="train_img", conditions_dir=POSE_FOLDERS,
                                     condition_type="images", num_frames=3, size=(10, 16), center_crop=(10, 8))
    item = dataset.clip(1, 1)
    assert item["frames"].shape == (3, 3, 10, 8) and item["conditions"].shape == (3, 6, 10, 8)
    for k, t in enumerate(range(1, 4)):
        dense = nearest_crop(iuv(t))
        assert torch.equal(item["conditions"][k, :2], dense[:2])
        # the part index channel: 2 x - 1 (the vid2vid `image` condition) is the official float32 value of part p
        official = (((dense[2] - 0.5) / 0.5 * 0.5 + 0.5) * 255 / 24 - 0.5) / 0.5
        assert torch.equal(item["conditions"][k, 2] * 2 - 1, official)
        part = (dense[2] * 255).round()
        assert torch.allclose(item["conditions"][k, 2] * 2 - 1, part / 12 - 1, atol=1e-6) and 0 <= item["conditions"].min()
        pose = render_openpose_edges(parse_openpose_json(keypoints(t)), HEIGHT, WIDTH)   # at the source size
        assert torch.equal(item["conditions"][k, 3:], nearest_crop(pose)) and item["conditions"][k, 3:].any()
    loader = torch.utils.data.DataLoader(dataset, batch_size=2)
    batch = next(iter(loader))
    assert batch["conditions"].shape == (2, 3, 6, 10, 8) and batch["frames"].shape == (2, 3, 3, 10, 8)
    start = (batch["conditions"][:, :, 0, 0, 0] * 255 / 10).round()          # V = 10 t: conditions stay paired
    assert torch.equal(start, (batch["frames"][:, :, 0, 0, 0] * 255 / 10).round())
    assert (start[:, 1:] - start[:, :-1] == 1).all()


def test_training_label_dropping(pose_root):
    folders = [{"dir": "train_densepose", "kind": "densepose", "drop_prob": 1.0},
               {"dir": "train_openpose", "kind": "openpose", "drop_prob": 1.0}]
    dataset = PairedSequencesDataset(root=pose_root, frames_dir="train_img", conditions_dir=folders,
                                     condition_type="images", num_frames=FRAMES)
    item = dataset[0]
    labelled = torch.from_numpy(np.stack([iuv(t)[..., 2] > 0 for t in range(FRAMES)]))   # (T, H, W)
    assert not item["conditions"][:, :3].permute(0, 2, 3, 1)[labelled].any()            # every part blanked
    assert not item["conditions"][:, 3:].any()                                            # every limb dropped
    assert item["conditions"][0, 1][~labelled[0]].any()                  # background pixels (part 0) are kept
    assert dataset.clip(0, 0)["conditions"][:, 3:].any()                # clip(): no dropping
    face = [{"dir": "train_densepose", "kind": "densepose", "remove_face_labels": True}]
    dataset = PairedSequencesDataset(root=pose_root, frames_dir="train_img", conditions_dir=face,
                                     condition_type="images", num_frames=FRAMES)
    kept, before = ((d["conditions"][:, 2] * 24).round() for d in (dataset[0], dataset.clip(0, 0)))
    assert set(before.unique().tolist()) >= {23, 24}
    assert set(kept.unique().tolist()) == set(before.unique().tolist()) - {23, 24}   # the head parts are blanked


def test_augmentation_keeps_condition_values(pose_root):
    augmentation = AugmentationConfig(horizontal_flip=False, crop_scale=0.5, brightness=0.5)
    dataset = PairedSequencesDataset(root=pose_root, frames_dir="train_img", conditions_dir=POSE_FOLDERS,
                                     condition_type="images", num_frames=2, augmentation=augmentation)
    torch.manual_seed(0)
    item = dataset[0]
    assert item["conditions"].shape == (2, 6, HEIGHT, WIDTH)
    reference = dataset.clip(0, 0)["conditions"]
    assert set(item["conditions"][:, 1].unique().tolist()) <= set(reference[:, 1].unique().tolist())  # nearest, no jitter


def test_bad_pose_data(pose_root):
    def dataset(folders=POSE_FOLDERS, **params):
        return PairedSequencesDataset(root=pose_root, frames_dir="train_img", conditions_dir=folders,
                                      condition_type="images", num_frames=2, **params)

    with pytest.raises(FileNotFoundError, match="train_openpos: folder not found"):
        dataset([{"dir": "train_openpos", "kind": "openpose"}])
    broken = pose_root / "train_openpose" / "seq0" / "000001_keypoints.json"
    broken.write_text('{"people": [{"pose_keypoints_2d": [1, 2]}]}')
    with pytest.raises(InputError, match="000001_keypoints.json: people\\[0\\].pose_keypoints_2d: length 2"):
        dataset().clip(0, 0)
    broken.write_text("{")
    with pytest.raises(InputError, match="000001_keypoints.json: not valid JSON"):
        dataset().clip(0, 0)
    not_iuv = iuv(0)
    not_iuv[0, 0, 2] = 200
    Image.fromarray(not_iuv).save(pose_root / "train_densepose" / "seq1" / "000000.png")
    with pytest.raises(InputError, match="seq1/000000.png: not a DensePose IUV image"):
        dataset().clip(1, 0)
    with pytest.raises(InputError, match="center_crop 30x8 is larger than the 20x32 frames"):
        dataset(center_crop=(30, 8)).clip(0, 2)
    (pose_root / "train_openpose" / "seq1" / "000003_keypoints.json").unlink()
    with pytest.raises(InputError, match="seq1.*counts disagree"):
        dataset()
    with pytest.raises(ConfigError, match="needs condition_type: images"):
        PairedSequencesDataset(root=pose_root, conditions_dir=POSE_FOLDERS)
    with pytest.raises(ConfigError, match="horizontal_flip would swap left and right"):
        dataset(augmentation=AugmentationConfig())
    with pytest.raises(ConfigError, match="basic_points_only applies to openpose"):
        dataset([{"dir": "train_densepose", "kind": "densepose", "basic_points_only": True}])
    with pytest.raises(ConfigError, match="drop_prob and remove_face_labels apply"):
        dataset([{"dir": "train_densepose", "drop_prob": 0.1}])


def test_read_condition_frame_is_the_datasets_condition(pose_root):
    """Inference reads one frame with the function the dataset builds its clips with: the same values."""
    dataset = PairedSequencesDataset(root=pose_root, frames_dir="train_img", conditions_dir=POSE_FOLDERS,
                                     condition_type="images", num_frames=FRAMES, size=(10, 16), center_crop=(10, 8))
    clip = dataset.clip(1, 0)["conditions"]
    folders = [ConditionFolder(**f) for f in POSE_FOLDERS]
    files = condition_frame_files([ConditionFolder(dir=str(pose_root / f.dir / "seq1"), kind=f.kind) for f in folders])
    assert [tuple(p.name for p in frame) for frame in files[:2]] == [("000000.png", "000000_keypoints.json"),
                                                                    ("000001.png", "000001_keypoints.json")]
    for t, paths in enumerate(files):
        # OpenPose is rendered at the size of the frame's DensePose image (the source frame size) by default
        condition = read_condition_frame(paths, folders, size=(10, 16), center_crop=(10, 8))
        assert condition.shape == (6, 10, 8) and torch.equal(condition, clip[t])
        assert torch.equal(read_condition_frame(paths, folders, source_size=(HEIGHT, WIDTH), size=(10, 16))[:, :, 4:12],
                           clip[t])


def test_condition_folder_errors(pose_root):
    folders = [ConditionFolder(dir=str(pose_root / "train_densepose" / "seq0"), kind="densepose"),
               ConditionFolder(dir=str(pose_root / "train_openpose" / "seq0"), kind="openpose")]
    paths = condition_frame_files(folders)[0]
    with pytest.raises(InputError, match="openpose condition folders alone: give source_size"):
        read_condition_frame(paths[1:], folders[1:])
    assert read_condition_frame(paths[1:], folders[1:], source_size=(HEIGHT, WIDTH)).shape == (3, HEIGHT, WIDTH)
    Image.fromarray(iuv(0)[:10]).save(paths[0])                  # a DensePose image smaller than the frame
    with pytest.raises(InputError, match="000000_keypoints.json: 20x32 does not match .*000000.png \\(10x32\\)"):
        read_condition_frame(paths, folders, source_size=(HEIGHT, WIDTH))
    (pose_root / "train_openpose" / "seq0" / "000002_keypoints.json").unlink()
    with pytest.raises(InputError, match="train_openpose/seq0: 3 files but .*train_densepose/seq0 has 4 .*has "
                                         "000002.png, .*train_openpose/seq0 has no file for it"):
        condition_frame_files(folders)
