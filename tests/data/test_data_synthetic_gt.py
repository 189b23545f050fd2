"""Ground truth of the synthetic datasets is consistent with what they render."""
import pytest
import torch
import torch.nn.functional as F

from motionkit.data import ScenesDataset, SpritesDataset
from motionkit.ops import warp


def interior(regions):
    """``(N, H, W)`` ids -> bool mask of pixels whose 3x3 neighbourhood has a single id (not on an edge)."""
    ids = regions[:, None].float()
    return (F.max_pool2d(ids, 3, 1, 1) == F.max_pool2d(-ids, 3, 1, 1).neg())[:, 0]


def warp_errors(previous, current, flow, visible, regions):
    """Mean |warp(previous, flow) - current| over visible pixels away from region edges (anti-aliased
    edges mix layers that move differently), and the same without warping."""
    mask = (visible[:, 0] > 0) & interior(regions)
    warped = warp(previous, flow, align_corners=False)
    error = (warped - current).abs().mean(1)
    still = (previous - current).abs().mean(1)
    return error[mask].mean(), still[mask].mean()


def warp_labels(labels, flow):
    return warp(labels[:, None].float(), flow, align_corners=False, mode="nearest")[:, 0].long()


def test_sprites_flow_reproduces_next_frame():
    clip = SpritesDataset(seed=3).video(2, num_frames=6)
    inside, still = warp_errors(clip["video"][:-1], clip["video"][1:], clip["flow"], clip["visible"], clip["owner"][1:])
    assert inside < 0.002 and inside < 0.35 * still
    owner_next = clip["owner"][1:]
    moved = warp_labels(clip["owner"][:-1], clip["flow"])
    agree = (moved == owner_next)[clip["visible"][:, 0] > 0].float().mean()
    assert agree > 0.99


def test_sprites_training_pair_flow_and_determinism():
    dataset = SpritesDataset(length=8, num_videos=4)
    item = dataset[5]
    assert item["source"].shape == (3, 64, 64) and item["video_index"] == 1
    regions = torch.zeros(1, 64, 64, dtype=torch.long)
    inside, still = warp_errors(item["source"][None], item["driving"][None], item["flow"][None], item["visible"][None],
                                regions)
    assert inside < 0.5 * still
    again = SpritesDataset(length=8, num_videos=4)[5]
    assert all(torch.equal(item[k], again[k]) for k in item)
    other = SpritesDataset(length=8, num_videos=4, seed=1)[5]
    assert not torch.equal(item["source"], other["source"])
    with pytest.raises(IndexError, match="sprites"):
        dataset[8]


def test_sprites_cross_identity_ground_truth():
    dataset = SpritesDataset(height=48, width=40)
    same = dataset.cross_identity(4, 4, num_frames=3)
    assert torch.equal(same["target"], same["driving"])
    cross = dataset.cross_identity(1, 4, num_frames=3)
    assert cross["driving"].shape == (3, 3, 48, 40)
    assert torch.equal(cross["source"], cross["target"][0])
    assert not torch.allclose(cross["target"], cross["driving"])
    # motion comes from B: A's keypoint trajectory equals the trajectory B's body centre follows
    moved_b = dataset.video(4, num_frames=3)["keypoints"]
    assert torch.allclose(cross["target_keypoints"][:, 0], moved_b[:, 0])


def test_scenes_flow_labels_and_instances():
    clip = ScenesDataset(height=48, width=96, num_frames=5, seed=2)[3]
    assert clip["frames"].shape == (5, 3, 48, 96) and clip["labels"].dtype == torch.int64
    inside, still = warp_errors(clip["frames"][:-1], clip["frames"][1:], clip["flow"], clip["visible"],
                                clip["instances"][1:])
    assert inside < 0.01 and inside < 0.35 * still
    moved = warp_labels(clip["labels"][:-1], clip["flow"])
    visible = clip["visible"][:, 0] > 0
    assert (moved == clip["labels"][1:])[visible].float().mean() > 0.99
    things = clip["instances"] >= 1000
    assert torch.equal(clip["instances"][things] // 1000, clip["labels"][things])
    assert torch.equal(clip["instances"][~things], clip["labels"][~things])
    assert set(clip["labels"].unique().tolist()) <= set(range(ScenesDataset.num_classes))


def test_scenes_have_occlusions_and_camera_pan():
    dataset = ScenesDataset(num_frames=4, pan_speed=0.1)
    clips = [dataset[i] for i in range(4)]
    assert any((clip["visible"] == 0).any() for clip in clips)
    sky = [clip["flow"][:, 0][clip["labels"][1:] == 0] for clip in clips]
    assert any(s.numel() and s.abs().mean() > 0.01 for s in sky)
