"""Warping error and keypoint metrics against hand-computed values."""
from __future__ import annotations

import pytest
import torch

from motionkit.errors import InputError
from motionkit.metrics import consistency_mask, keypoint_distance, keypoint_metrics, warping_error
from motionkit.motion import Keypoints, Pose


def shifted_pair() -> torch.Tensor:
    """A video (1, 2, 3, 8, 10) whose second frame is the first moved one pixel right."""
    first = torch.rand(1, 3, 8, 10, generator=torch.Generator().manual_seed(0))
    return torch.stack([first, torch.roll(first, 1, dims=-1)], 1)


def constant_flow_estimator(target: torch.Tensor, source: torch.Tensor) -> torch.Tensor:
    """Backward flow for the shifted pair: -1 px from the later frame, +1 px from the earlier one."""
    flow = torch.zeros(target.shape[0], 2, *target.shape[-2:])
    flow[:, 0] = -1.0 if torch.equal(target, shifted_pair()[:, 1]) else 1.0
    return flow


def test_constant_frames_without_motion() -> None:
    video = torch.cat([torch.full((1, 1, 3, 4, 4), 0.2), torch.full((1, 1, 3, 4, 4), 0.5)], 1)
    assert float(warping_error(video, torch.zeros(1, 1, 2, 4, 4))) == pytest.approx(0.09)


def test_exact_flow_leaves_only_the_uncovered_border() -> None:
    video = shifted_pair()
    flow = torch.zeros(1, 1, 2, 8, 10)
    flow[:, :, 0] = -1.0
    mask = torch.ones(1, 1, 1, 8, 10)
    mask[..., 0] = 0
    assert float(warping_error(video, flow, masks=mask)) == pytest.approx(0.0, abs=1e-12)
    # unmasked, column 0 samples outside the frame (zeros): error = mean over pixels of mean_c X_1^2
    border = video[0, 1, :, :, 0].square().mean(0).sum() / (8 * 10)
    assert float(warping_error(video, flow)) == pytest.approx(float(border), rel=1e-5)


def test_estimated_flows_get_a_consistency_mask() -> None:
    video = shifted_pair()
    assert float(warping_error(video, flow_estimator=constant_flow_estimator)) == pytest.approx(0.0, abs=1e-12)
    backward = torch.zeros(1, 2, 8, 10)
    backward[:, 0] = -1
    mask = consistency_mask(backward, -backward)
    assert mask[..., 0].sum() == 0 and mask[..., 1:].sum() == 8 * 9
    with pytest.raises(InputError, match="give flows or a flow_estimator"):
        warping_error(video)
    with pytest.raises(InputError, match="at least 2 frames"):
        warping_error(video[:, :1], torch.zeros(1, 0, 2, 8, 10))


def test_keypoint_distance_by_hand() -> None:
    pred = torch.tensor([[[0.0, 0.0], [3.0, 4.0]]])
    ref = torch.zeros(1, 2, 2)
    assert float(keypoint_distance(pred, ref)) == pytest.approx(2.5)
    assert float(keypoint_distance(pred, ref, torch.tensor([[False, True]]))) == pytest.approx(5.0)


def test_akd_and_mkr_through_a_pose_detector() -> None:
    def detector(frames: torch.Tensor) -> Pose:
        # one joint at (10 * red, 0), detected when green > 0.5; a second joint always at (0, 0)
        n = frames.shape[0]
        points = torch.zeros(n, 2, 2)
        points[:, 0, 0] = 10 * frames[:, 0, 0, 0]
        confidence = torch.stack([(frames[:, 1, 0, 0] > 0.5).float(), torch.ones(n)], 1)
        return Pose(points=points, confidence=confidence)

    reference = torch.zeros(2, 3, 4, 4)
    reference[:, 1] = 1.0  # both frames: joint 0 detected at x = 0
    generated = reference.clone()
    generated[0, 0] = 0.3  # frame 0: joint 0 at x = 3 (3 px off)
    generated[1, 1] = 0.0  # frame 1: joint 0 missing
    result = keypoint_metrics(generated, reference, detector)
    assert result["akd"] == pytest.approx(3 / 3)  # distances over detected pairs: 3, 0, 0
    assert result["mkr"] == pytest.approx(1 / 4)


def test_normalised_keypoints_are_measured_in_pixels() -> None:
    def detector(frames: torch.Tensor) -> Keypoints:
        value = torch.zeros(frames.shape[0], 1, 2)
        value[:, 0, 0] = frames[:, 0, 0, 0]  # x in [-1, 1] units
        return Keypoints(value=value)

    reference, generated = torch.zeros(1, 3, 8, 20), torch.zeros(1, 3, 8, 20)
    generated[:, 0] = 0.5  # x moves by 0.5 normalised units = 0.5 * 20 / 2 = 5 pixels
    assert keypoint_metrics(generated, reference, detector) == {"akd": pytest.approx(5.0)}
