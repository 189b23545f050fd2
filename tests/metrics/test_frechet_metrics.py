"""Fréchet distance, FID and FVD against hand-computed values, with test-made networks."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import torch

from motionkit.errors import CheckpointError, InputError, MissingWeightsError
from motionkit.metrics import FVDFeatures, fid, frechet_distance, fvd, gaussian_statistics

from metric_helpers import constant_frames


def test_one_dimensional_gaussians() -> None:
    # N(1, 2) vs N(3, 8): (1 - 3)^2 + 2 + 8 - 2 sqrt(2 * 8) = 6
    assert frechet_distance(torch.tensor([[0.0], [2.0]]), torch.tensor([[1.0], [5.0]])) == pytest.approx(6.0)


def test_matches_scipy_sqrtm_and_is_zero_for_equal_sets() -> None:
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(40, 6, generator=generator, dtype=torch.float64)
    b = torch.randn(30, 6, generator=generator, dtype=torch.float64) * 1.5 + 0.3
    (ma, ca), (mb, cb) = gaussian_statistics(a), gaussian_statistics(b)
    root = scipy.linalg.sqrtm(ca.numpy() @ cb.numpy()).real
    expected = float(((ma - mb) ** 2).sum() + ca.trace() + cb.trace()) - 2 * float(np.trace(root))
    assert frechet_distance(a, b) == pytest.approx(expected, rel=1e-9)
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-9)
    with pytest.raises(InputError, match="at least 2 samples"):
        frechet_distance(a[:1], b)


def test_fid_uses_the_given_network_on_uint8_frames(fid_weights) -> None:
    real = constant_frames([[0.0] * 3, [0.4] * 3])  # features: (0,0,0), (0.4,0.4,0.4) (0.4*255 = 102 exactly)
    fake = constant_frames([[0.2] * 3, [1.0] * 3])  # features: (0.2,...), (1.0,...)
    # per channel: N(0.2, 0.08) vs N(0.6, 0.32): 0.16 + 0.08 + 0.32 - 2 * 0.16 = 0.24; three channels
    assert fid(real, fake, fid_weights) == pytest.approx(3 * 0.24, rel=1e-6)


def test_fvd_feeds_224_pixel_clips_in_minus_one_to_one(fvd_weights) -> None:
    real = torch.stack([constant_frames([[0.5] * 3] * 4, size=8), constant_frames([[1.0] * 3] * 4, size=8)])
    fake = torch.stack([constant_frames([[0.25] * 3] * 4, size=8), constant_frames([[0.75] * 3] * 4, size=8)])
    features = FVDFeatures(fvd_weights)(real)
    assert features[:, 0].tolist() == pytest.approx([0.0, 1.0], abs=1e-6)  # 2 * 0.5 - 1, 2 * 1.0 - 1 (float rounding)
    # real features per channel {0, 1}: N(0.5, 0.5); fake {-0.5, 0.5}: N(0, 0.5) -> 0.25 per channel
    assert fvd(real, fake, fvd_weights) == pytest.approx(3 * 0.25, rel=1e-6)


def test_missing_or_wrong_weights_files_are_named(tmp_path) -> None:
    frames = constant_frames([[0.1] * 3, [0.2] * 3])
    with pytest.raises(MissingWeightsError, match="inception-2015-12-05.pt"):
        fid(frames, frames, None)
    with pytest.raises(MissingWeightsError, match=r"nowhere/i3d\.pt not found.*i3d_torchscript\.pt"):
        fvd(frames[None], frames[None], tmp_path / "nowhere" / "i3d.pt")
    bogus = tmp_path / "bogus.pt"
    bogus.write_bytes(b"not torchscript")
    with pytest.raises(CheckpointError, match="bogus.pt is not a TorchScript file"):
        fid(frames, frames, bogus)
