"""label-motion and dancers: ground truth consistent with the rendering."""
import json

import pytest
import torch
import torch.nn.functional as F

from motionkit.conditions import read_openpose_json
from motionkit.data import DancersDataset, LabelMotionDataset
from motionkit.data.synthetic.label_motion import class_motion
from motionkit.ops import warp
from motionkit.testing import check_component


def interior(regions):
    ids = regions[:, None].float()
    return (F.max_pool2d(ids, 3, 1, 1) == F.max_pool2d(-ids, 3, 1, 1).neg())[:, 0]


def test_label_motion_flows_to_previous_and_first_frame():
    item = check_component(LabelMotionDataset, {"height": 48, "width": 48, "num_frames": 5, "seed": 1})[0]
    frames, labels = item["frames"], item["labels"]
    assert torch.equal(item["first_frame"], frames[0]) and torch.equal(item["label_map"], labels[0])
    for flow, visible, source, target, target_labels, ratio in (
        (item["flow"], item["visible"], frames[:-1], frames[1:], labels[1:], 0.9),
        (item["flow_to_first"], item["visible_to_first"], frames[:1].expand(5, -1, -1, -1), frames, labels, 0.3),
    ):
        mask = (visible[:, 0] > 0) & interior(target_labels) & (target_labels > 0)  # moving objects
        error = (warp(source, flow, align_corners=False) - target).abs().mean(1)[mask].mean()
        still = (source - target).abs().mean(1)[mask].mean()
        assert error < 0.005 and error < ratio * still  # what remains is bilinear resampling of the texture
    assert torch.count_nonzero(item["flow_to_first"][0]) == 0  # frame 0 to itself


def test_label_motion_classes_move_their_own_way():
    times = torch.arange(4.0)
    slider = class_motion(1, 0.5, 0.0, times)
    assert torch.allclose(slider[:, 0, 2], 0.04 * times) and torch.allclose(slider[:, :2, :2], torch.eye(2).expand(4, 2, 2))
    spinner = class_motion(2, 1.0, 0.0, times)
    assert torch.allclose(spinner[:, :2, 2], torch.zeros(4, 2)) and spinner[3, 0, 0] < 1
    pulser = class_motion(3, 1.0, 0.3, times)
    assert torch.allclose(pulser[0], torch.eye(3)) and pulser[2, 0, 0] != 1
    # the same scene index always gives the same speeds; another index gives other speeds
    dataset = LabelMotionDataset(num_frames=3)
    assert torch.equal(dataset[4]["flow"], dataset[4]["flow"]) and not torch.equal(dataset[4]["flow"], dataset[5]["flow"])


def test_dancers_keypoints_sit_on_the_figure():
    dataset = check_component(DancersDataset, {"height": 96, "width": 64, "num_frames": 3})
    clip = dataset.video(2, num_frames=4)
    parts, keypoints, confidence = clip["parts"], clip["keypoints"], clip["confidence"]
    assert keypoints.shape == (4, 18, 2) and confidence.shape == (4, 18)
    for t in range(4):
        for j in range(18):
            if confidence[t, j] > 0:
                x, y = keypoints[t, j].round().long().tolist()
                assert parts[t, y, x] != 0, f"joint {DancersDataset.joint_names[j]} off the figure at frame {t}"
        # every limb's midpoint lies on the figure as well
        for a, b in [(2, 3), (3, 4), (5, 6), (6, 7), (8, 9), (9, 10), (11, 12), (12, 13)]:
            x, y = ((keypoints[t, a] + keypoints[t, b]) / 2).round().long().tolist()
            assert parts[t, y, x] in (2, 3)
        nose_x, nose_y = keypoints[t, 0].round().long().tolist()
        y0, y1, x0, x1 = clip["face_box"][t].tolist()
        assert y0 <= nose_y < y1 and x0 <= nose_x < x1 and parts[t, nose_y, nose_x] == 4
    # pose images show the skeleton (non-white) at the joints
    x, y = keypoints[0, 1].round().long().tolist()
    assert (clip["pose_images"][0, :, y, x] < 1).any()


def test_dancers_identities_differ_and_share_dances(tmp_path):
    dataset = DancersDataset(num_identities=3)
    pair = dataset.cross_identity(0, 1, num_frames=3)
    driving, target = pair["driving"], pair["target"]
    own = dataset.video(0, num_frames=3)
    assert not torch.allclose(own["keypoints"], target["keypoints"])
    # same dance -> same joint angles: the elbow-wrist direction of identity 0 equals that of identity 1
    def direction(kp, a, b):
        d = kp[:, b] - kp[:, a]
        return d / d.norm(dim=-1, keepdim=True)
    assert torch.allclose(direction(driving["keypoints"], 3, 4), direction(target["keypoints"], 3, 4), atol=0.05)
    paths = dataset.export_openpose(1, 2, tmp_path)
    assert [p.name for p in paths] == ["frame000000_keypoints.json", "frame000001_keypoints.json"]
    parsed = read_openpose_json(paths[1])
    assert parsed.body.layout == "coco18"
    assert torch.allclose(parsed.body.points[0].float(), dataset.video(1, 2)["keypoints"][1], atol=1e-3)
    assert json.loads(paths[0].read_text())["people"][0]["face_keypoints_2d"] == []


def test_dancer_item_indexing():
    dataset = DancersDataset(num_identities=2, length=4)
    item = dataset[3]
    assert item["identity"] == 1 and item["frames"].shape == (2, 3, 64, 64)
    with pytest.raises(IndexError, match="dancers"):
        dataset[4]
