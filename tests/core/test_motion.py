"""Motion dataclasses: shape checks, device/dtype moves, label one-hot."""
import pytest
import torch

import motionkit as mk


def test_keypoints_shapes_and_helpers():
    kp = mk.Keypoints(torch.zeros(2, 5, 2), torch.eye(2).expand(2, 5, 2, 2))
    assert kp.to(torch.float64).value.dtype == torch.float64
    assert kp[1:].value.shape == (1, 5, 2)
    with pytest.raises(ValueError, match=r"Keypoints.value must be \(B, K, 2\)"):
        mk.Keypoints(torch.zeros(2, 5))
    with pytest.raises(ValueError, match="Keypoints.jacobian must be"):
        mk.Keypoints(torch.zeros(2, 5, 2), torch.zeros(2, 5, 2))


def test_dense_motion_pose_labelmap():
    with pytest.raises(ValueError, match=r"DenseMotion.flow must be \(B, 2, H, W\)"):
        mk.DenseMotion(torch.zeros(1, 3, 4, 4))
    with pytest.raises(ValueError, match="Pose.confidence must be"):
        mk.Pose(torch.zeros(1, 18, 2), torch.zeros(1, 17))
    labels = mk.LabelMap(torch.tensor([[[0, 2], [1, 2]]]), num_classes=3)
    assert labels.one_hot()[0, :, 0, 1].tolist() == [0, 0, 1]
    with pytest.raises(ValueError, match=r"must lie in \[0, 2\)"):
        mk.LabelMap(torch.tensor([[[0, 2]]]), num_classes=2).one_hot()
