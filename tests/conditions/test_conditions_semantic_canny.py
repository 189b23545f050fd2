import pytest
import torch

from motionkit.conditions import CannyEdges, OpenPoseLabels, SemanticOneHot, cityscapes_train_ids, one_hot_labels
from motionkit.errors import ConfigError, InputError
from motionkit.motion import Pose
from motionkit.testing import check_component


def test_one_hot_and_ignore():
    labels = torch.tensor([[[0, 2], [1, 255]]])
    encoded = one_hot_labels(labels, 3, ignore_index=255)
    assert encoded.shape == (1, 3, 2, 2)
    assert encoded[0, :, 0, 1].tolist() == [0, 0, 1] and encoded[0, :, 1, 1].sum() == 0
    with pytest.raises(InputError, match=r"\[0, 3\)"):
        one_hot_labels(labels, 3)
    with pytest.raises(InputError, match="integer"):
        one_hot_labels(labels.float(), 3)


def test_cityscapes_mapping():
    ids = torch.tensor([[[7, 8, 26, 33], [0, 34, -1, 23]]])
    assert cityscapes_train_ids(ids).tolist() == [[[0, 1, 13, 18], [255, 255, 255, 10]]]
    component = check_component(SemanticOneHot, {"num_classes": 19, "mapping": "cityscapes-train-ids"},
                                forward=lambda c: None)
    encoded = component(ids)
    assert encoded.shape == (1, 19, 2, 4) and encoded[0, :, 1, 0].sum() == 0 and encoded[0, 13, 0, 2] == 1
    with pytest.raises(ConfigError, match="19 classes"):
        SemanticOneHot(num_classes=35, mapping="cityscapes-train-ids")


def test_canny_finds_square_outline():
    frames = torch.zeros(2, 3, 32, 32)
    frames[:, :, 8:24, 8:24] = 1
    edges = check_component(CannyEdges)(frames)
    assert edges.shape == (2, 1, 32, 32)
    assert edges[:, :, 14:18, 6:10].sum() > 0 and edges[:, :, 14:18, 14:18].sum() == 0
    with pytest.raises(InputError, match="float"):
        CannyEdges()(frames.to(torch.uint8))
    with pytest.raises(ConfigError, match="low_threshold"):
        CannyEdges(low_threshold=0.5, high_threshold=0.2)


def test_openpose_labels_component():
    pose = Pose(torch.full((1, 18, 2), 8.0), torch.ones(1, 18), "coco18")
    component = check_component(OpenPoseLabels, forward=lambda c: c(pose, 16, 16))
    with pytest.raises(InputError, match="Pose or a list"):
        component(torch.zeros(1, 18, 2), 16, 16)
