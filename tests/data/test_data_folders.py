"""video-folder and paired-sequences datasets, augmentation, DataLoader workers."""
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from motionkit.data import AugmentationConfig, ClipAugmentation, PairedSequencesDataset, VideoFolderDataset
from motionkit.errors import ConfigError, InputError
from motionkit.io import write_frame_folder, write_image, write_video


def frames_with_index(count, height=16, width=16):
    """Frame t is filled with value 10 * t (so decoded frames reveal their index)."""
    return [np.full((height, width, 3), 10 * t, np.uint8) for t in range(count)]


@pytest.fixture(scope="module")
def fomm_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("fomm")
    write_frame_folder(root / "train" / "a", frames_with_index(6))
    write_video(root / "train" / "b.mp4", frames_with_index(5), fps=10, quality=0)
    write_image(root / "train" / "c.png", np.concatenate(frames_with_index(4), axis=1))  # strip of 4 frames
    write_frame_folder(root / "test" / "d", frames_with_index(3, 24, 20))
    return root


def frame_index(frame: torch.Tensor) -> int:
    return round(float(frame.mean()) * 255 / 10)


def test_pairs_from_every_kind_of_video(fomm_root):
    torch.manual_seed(0)
    dataset = VideoFolderDataset(root=fomm_root, repeats=2)
    assert len(dataset) == 6 and [p.name for p in dataset.videos] == ["a", "b.mp4", "c.png"]
    assert [dataset.num_frames(i) for i in range(3)] == [6, 5, 4]
    for index in range(len(dataset)):
        item = dataset[index]
        assert item["source"].shape == (3, 16, 16) and item["video_index"] == index % 3
        assert frame_index(item["source"]) != frame_index(item["driving"])


def test_clips_are_consecutive_and_resized(fomm_root):
    dataset = VideoFolderDataset(root=fomm_root, split="test", mode="clips", num_frames=2, frame_step=2, size=(8, 12))
    clip = dataset[0]["video"]
    assert clip.shape == (2, 3, 8, 12)
    assert [frame_index(f) for f in clip] == [0, 2]
    with pytest.raises(InputError, match="clips of 3 frames 2 apart need 5"):
        VideoFolderDataset(root=fomm_root, split="test", mode="clips", num_frames=3, frame_step=2)[0]
    with pytest.raises(FileNotFoundError, match="valid"):
        VideoFolderDataset(root=fomm_root, split="valid")


def test_id_sampling_groups_videos_by_identity(tmp_path):
    for name in ("id1#a", "id1#b", "id1#c", "id2#a"):
        write_frame_folder(tmp_path / "train" / name, frames_with_index(2))
    dataset = VideoFolderDataset(root=tmp_path, id_sampling=True, repeats=50)
    assert len(dataset) == 100 and dataset.groups == [[0, 1, 2], [3]]
    torch.manual_seed(0)
    picked = [int(dataset[i]["video_index"]) for i in range(0, 100)]
    assert set(picked[0::2]) == {0, 1, 2} and set(picked[1::2]) == {3}


def test_dataloader_workers(fomm_root):
    dataset = VideoFolderDataset(root=fomm_root, repeats=4, augmentation=AugmentationConfig())
    loader = torch.utils.data.DataLoader(dataset, batch_size=4, num_workers=2)
    batches = list(loader)
    assert len(batches) == 3 and batches[0]["source"].shape == (4, 3, 16, 16)


def write_label_sequence(folder, labels, mode="L"):
    folder.mkdir(parents=True)
    for t, label in enumerate(labels):
        Image.fromarray(label.astype(np.uint8 if mode == "L" else np.uint16)).save(folder / f"{t:04d}.png")


@pytest.fixture()
def vid2vid_root(tmp_path):
    labels = [np.full((12, 10), t, np.int64) for t in range(5)]
    instances = [np.full((12, 10), 26000 + t, np.int64) for t in range(5)]
    for name in ("seq1", "seq2"):
        write_label_sequence(tmp_path / "train_A" / name, labels)
        write_label_sequence(tmp_path / "train_inst" / name, instances, mode="I;16")
        write_frame_folder(tmp_path / "train_B" / name, frames_with_index(5, 12, 10))
    return tmp_path


def test_paired_sequences_clip_alignment(vid2vid_root):
    torch.manual_seed(1)
    dataset = PairedSequencesDataset(root=vid2vid_root, instances_dir="train_inst", num_frames=3)
    item = dataset[1]
    assert item["frames"].shape == (3, 3, 12, 10) and item["labels"].dtype == torch.int64
    start = int(item["labels"][0, 0, 0])
    assert item["labels"][:, 0, 0].tolist() == [start, start + 1, start + 2]
    assert [frame_index(f) for f in item["frames"]] == [start, start + 1, start + 2]
    assert item["instances"][:, 0, 0].tolist() == [26000 + start + k for k in range(3)]
    flipped = PairedSequencesDataset(root=vid2vid_root, num_frames=2, size=(6, 5),
                                     augmentation=AugmentationConfig(hue=0.0, brightness=0.0, contrast=0.0,
                                                                     saturation=0.0, crop_scale=0.5))[0]
    assert flipped["labels"].shape == (2, 6, 5) and flipped["frames"].shape == (2, 3, 6, 5)
    # time flips keep conditions and frames paired
    assert [frame_index(f) for f in flipped["frames"]] == flipped["labels"][:, 0, 0].tolist()


def test_paired_sequences_count_mismatch(vid2vid_root):
    (vid2vid_root / "train_A" / "seq2" / "0004.png").unlink()
    with pytest.raises(InputError, match="seq2.*counts disagree.*train_A/seq2: 4.*train_B/seq2: 5|"
                                         "seq2.*counts disagree.*train_B/seq2: 5.*train_A/seq2: 4"):
        PairedSequencesDataset(root=vid2vid_root)
    (vid2vid_root / "train_B" / "seq3").mkdir()
    with pytest.raises(InputError, match="seq3"):
        PairedSequencesDataset(root=vid2vid_root)


def test_augmentation_is_consistent_across_the_clip():
    torch.manual_seed(0)
    frame = torch.rand(1, 3, 8, 8)
    clip = {"video": frame.expand(4, -1, -1, -1).clone(), "labels": torch.arange(64).view(1, 8, 8).expand(4, -1, -1).clone()}
    augment = ClipAugmentation(AugmentationConfig(crop_scale=0.6, time_flip=False), images=("video",), labels=("labels",))
    generator = torch.Generator().manual_seed(3)
    for _ in range(5):
        out = augment(clip, generator)
        assert torch.allclose(out["video"], out["video"][:1].expand(4, -1, -1, -1))  # same transform every frame
        assert torch.equal(out["labels"], out["labels"][:1].expand(4, -1, -1))
    ordered = {"video": torch.arange(3.0).view(3, 1, 1, 1).expand(3, 3, 2, 2) / 3}
    time_only = ClipAugmentation(AugmentationConfig(horizontal_flip=False, brightness=0, contrast=0, saturation=0, hue=0),
                                 images=("video",))
    orders = {tuple(round(v * 3) for v in time_only(ordered, generator)["video"][:, 0, 0, 0].tolist()) for _ in range(12)}
    assert orders == {(0, 1, 2), (2, 1, 0)}
    with pytest.raises(InputError, match="no key 'labels'"):
        augment({"video": clip["video"]})


def test_everybody_dance_now_flat_layout_with_face_boxes(tmp_path):
    """train_label / train_img / train_facetexts128 without sequence subfolders (EverybodyDanceNow)."""
    samples = Path(os.environ.get("MOTIONKIT_PARITY_DIR", "/work/shared/parity")) / "everybody_dance_now" / "sample_openpose"
    if not samples.is_dir():
        pytest.skip("parity samples not available")
    for folder in ("train_label", "train_img", "train_facetexts128"):
        (tmp_path / folder).mkdir()
    for name in ("frame020001", "frame020005", "frame020009"):
        shutil.copy(samples / f"{name}_label.png", tmp_path / "train_label" / f"{name}.png")
        shutil.copy(samples / f"{name}_facebox.txt", tmp_path / "train_facetexts128" / f"{name}.txt")
        write_image(tmp_path / "train_img" / f"{name}.png", np.zeros((512, 1024, 3), np.uint8))
    dataset = PairedSequencesDataset(root=tmp_path, frames_dir="train_img", conditions_dir="train_label",
                                     condition_type="images", face_boxes_dir="train_facetexts128", num_frames=3,
                                     size=(64, 128))
    item = dataset[0]
    assert item["conditions"].shape == (3, 3, 64, 128) and (item["conditions"] < 1).any()
    box = [int(v) for v in (samples / "frame020001_facebox.txt").read_text().split()]
    assert item["face_box"][0].tolist() == [round(v / 8) for v in box]
    (tmp_path / "train_facetexts128" / "frame020005.txt").write_text("1 2 3")
    with pytest.raises(InputError, match="frame020005.txt: expected 'miny maxy minx maxx'"):
        dataset[0]
    with pytest.raises(ConfigError, match="face_boxes_dir cannot be combined with augmentation"):
        PairedSequencesDataset(root=tmp_path, face_boxes_dir="train_facetexts128", augmentation=AugmentationConfig())
