"""Tests of the tutorial plugin, written as a plugin author would (see CONTRIBUTING.md)."""
import subprocess
import sys

import numpy as np
import pytest
import torch

import motionkit as mk
from motionkit.testing import check_plugin
from motionkit_affine import AffineWarpGenerator, GlobalAffine


def test_plugin_is_installed():
    assert "motionkit-affine" in {p.name for p in mk.plugins() if p.status == "ok"}


def test_components_conform():
    def forward(generator):
        source = torch.rand(1, 3, 32, 32)
        identity = mk.Keypoints(torch.zeros(1, 1, 2), torch.eye(2).expand(1, 1, 2, 2))
        assert generator(source, identity, identity)["prediction"].shape == source.shape

    info = check_plugin("motionkit-affine", forwards={"generator:affine.warp": forward})
    assert "method:affine" in info.components
    assert "animate --method affine" in info.commands


def test_identity_motion_reproduces_source():
    source = torch.rand(2, 3, 16, 24)
    identity = mk.Keypoints(torch.zeros(2, 1, 2), torch.eye(2).expand(2, 1, 2, 2).clone())
    out = AffineWarpGenerator()(source, identity, identity)["prediction"]
    torch.testing.assert_close(out, source, atol=1e-5, rtol=0)


def test_translation_moves_image():
    """A driving frame translated by +0.25 (normalised) samples the source 0.25 to the left."""
    source = torch.rand(1, 3, 16, 16)
    eye = torch.eye(2).expand(1, 1, 2, 2).clone()
    src = mk.Keypoints(torch.zeros(1, 1, 2), eye)
    drv = mk.Keypoints(torch.tensor([[[0.25, 0.0]]]), eye)  # 0.25 normalised = 2 pixels at width 16
    out = AffineWarpGenerator()(source, src, drv)["prediction"]
    torch.testing.assert_close(out[..., 4:-4], source[..., 2:-6], atol=1e-5, rtol=0)


def test_training_reduces_loss():
    torch.manual_seed(0)
    method = GlobalAffine(estimator={"channels": 8, "num_layers": 3})
    optimizer = torch.optim.Adam(method.parameter_groups()["estimator"], lr=3e-3)
    yy, xx = torch.meshgrid(torch.linspace(-1, 1, 32), torch.linspace(-1, 1, 32), indexing="ij")
    blob = lambda cx: torch.exp(-((xx - cx) ** 2 + yy**2) / 0.1).expand(4, 3, 32, 32)  # noqa: E731
    batch = {"source": blob(-0.3), "driving": blob(0.3)}
    losses = []
    for _ in range(40):
        loss = sum(method.generator_step(batch).losses.values())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


def test_config_rejects_unknown_key():
    with pytest.raises(mk.ConfigError, match="estimator.chanels"):
        GlobalAffine(estimator={"chanels": 8})


def test_animate_command(tmp_path):
    method = GlobalAffine(estimator={"channels": 4, "num_layers": 2})
    checkpoint = mk.save_method(method, tmp_path / "affine.safetensors")
    source = tmp_path / "source.png"
    mk.io.write_image(source, np.full((32, 32, 3), 128, np.uint8))
    driving = tmp_path / "driving.mp4"
    mk.io.write_video(driving, [np.random.default_rng(i).integers(0, 255, (32, 32, 3), np.uint8) for i in range(5)], fps=12)
    out = tmp_path / "out.mp4"
    result = subprocess.run(
        [sys.executable, "-m", "motionkit", "animate", "--method", "affine", "--checkpoint", str(checkpoint),
         "--source", str(source), "--driving", str(driving), "--out", str(out)],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    reader = mk.io.VideoReader(out)
    assert len(reader) == 5 and reader.fps == pytest.approx(12)
