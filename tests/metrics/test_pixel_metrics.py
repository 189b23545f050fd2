"""L1, PSNR and SSIM against hand-computed values."""
from __future__ import annotations

import math

import pytest
import torch

from motionkit.errors import InputError
from motionkit.metrics import l1, psnr, ssim

from metric_helpers import constant_frames


def test_l1_of_constant_frames() -> None:
    a, b = constant_frames([[0.2, 0.2, 0.2]]), constant_frames([[0.5, 0.4, 0.2]])
    assert float(l1(a, b)) == pytest.approx((0.3 + 0.2 + 0.0) / 3)


def test_psnr_is_the_mean_of_per_frame_values() -> None:
    target = constant_frames([[0.5] * 3, [0.5] * 3])
    prediction = constant_frames([[0.6] * 3, [0.51] * 3])  # MSE 1e-2 (20 dB) and 1e-4 (40 dB)
    assert float(psnr(prediction, target)) == pytest.approx(30.0, abs=1e-4)
    assert float(psnr(target, target)) == math.inf


def test_ssim_of_constant_frames_and_identity() -> None:
    a, b = constant_frames([[0.2] * 3]), constant_frames([[0.5] * 3])
    c1 = 0.01 ** 2  # variances are zero, so SSIM = (2ab + C1) / (a^2 + b^2 + C1)
    assert float(ssim(a, b)) == pytest.approx((2 * 0.2 * 0.5 + c1) / (0.2 ** 2 + 0.5 ** 2 + c1), rel=1e-6)
    x = torch.rand(2, 3, 16, 16)
    assert float(ssim(x, x)) == pytest.approx(1.0)


def test_videos_count_every_frame() -> None:
    video = torch.rand(2, 3, 3, 16, 16)
    other = (video + 0.1).clamp(0, 1)
    assert float(psnr(video, other)) == pytest.approx(float(psnr(video.flatten(0, 1), other.flatten(0, 1))))


def test_bad_inputs_name_the_tensor() -> None:
    x = torch.rand(1, 3, 16, 16)
    with pytest.raises(InputError, match=r"prediction: values must lie in \[0, 1\]"):
        l1(x * 300, x)
    with pytest.raises(InputError, match="differ in shape"):
        psnr(x, torch.rand(1, 3, 16, 8))
    with pytest.raises(InputError, match="target: expected images"):
        ssim(x, torch.rand(3, 16, 16))
    with pytest.raises(InputError, match="smaller than the 11-pixel window"):
        ssim(torch.rand(1, 3, 8, 8), torch.rand(1, 3, 8, 8))
