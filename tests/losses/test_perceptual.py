"""VGG19 perceptual losses (pix2pixHD weighting and FOMM's pyramid) with weights made in the test."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from motionkit.errors import ConfigError, MissingWeightsError
from motionkit.losses import PyramidPerceptualLoss, VGGPerceptualLoss
from motionkit.nn.vgg19 import VGG19_ENV, VGG19Features
from motionkit.ops import ImagePyramid


@pytest.fixture(scope="module")
def weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.manual_seed(0)
    vgg = VGG19Features("random")
    path = tmp_path_factory.mktemp("vgg") / "vgg19-dcbb9e9d.pth"
    torch.save({f"features.{k}": v for k, v in vgg.features.state_dict().items()}, path)
    return path


def _manual(vgg: VGG19Features, x: torch.Tensor, y: torch.Tensor, layer_weights, scales) -> torch.Tensor:
    total = torch.zeros(())
    for a_level, b_level in zip(ImagePyramid(3, scales)(x), ImagePyramid(3, scales)(y)):
        for w, a, b in zip(layer_weights, vgg(a_level), vgg(b_level)):
            total = total + w * (a - b).abs().mean()
    return total


def test_pix2pixhd_weighting(weights: Path) -> None:
    loss = VGGPerceptualLoss(weights=str(weights))
    assert loss.config.layer_weights == [1 / 32, 1 / 16, 1 / 8, 1 / 4, 1.0] and not loss.config.imagenet_normalize
    x, y = torch.rand(1, 3, 16, 16) * 2 - 1, torch.rand(1, 3, 16, 16) * 2 - 1
    vgg = VGG19Features(weights)
    with torch.no_grad():
        torch.testing.assert_close(loss(x, y), _manual(vgg, x, y, loss.config.layer_weights, [1.0]))
        assert loss(x, x).item() == 0.0


def test_fomm_pyramid(weights: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(VGG19_ENV, str(weights))
    defaults = PyramidPerceptualLoss.Config()
    assert defaults.scales == [1.0, 0.5, 0.25, 0.125] and defaults.layer_weights == [10.0] * 5
    assert defaults.imagenet_normalize
    loss = PyramidPerceptualLoss(scales=[1.0, 0.5])  # FOMM's 0.125 level needs 128 px inputs: too slow here
    x, y = torch.rand(1, 3, 32, 32), torch.rand(1, 3, 32, 32)
    vgg = VGG19Features(weights, imagenet_normalize=True)
    with torch.no_grad():
        torch.testing.assert_close(loss(x, y), _manual(vgg, x, y, [10.0] * 5, [1.0, 0.5]))


def test_gradient_reaches_prediction_only(weights: Path) -> None:
    loss = VGGPerceptualLoss(weights=str(weights))
    prediction = torch.rand(1, 3, 16, 16, requires_grad=True)
    target = torch.rand(1, 3, 16, 16, requires_grad=True)
    loss(prediction, target).backward()
    assert prediction.grad.abs().sum() > 0 and target.grad is None


def test_vgg_is_not_in_the_state_dict(weights: Path) -> None:
    loss = VGGPerceptualLoss(weights=str(weights))
    assert not any("vgg" in k for k in loss.state_dict())
    holder = torch.nn.ModuleDict({"perceptual": loss, "head": torch.nn.Linear(2, 2)})
    state = holder.state_dict()
    assert set(state) == {"head.weight", "head.bias"}
    holder.load_state_dict(state, strict=True)


def test_missing_weights_and_bad_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(VGG19_ENV, raising=False)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    with pytest.raises(MissingWeightsError, match="vgg19-dcbb9e9d.pth"):
        VGGPerceptualLoss()
    with pytest.raises(ConfigError, match="layer_weights needs 5 entries"):
        VGGPerceptualLoss(weights="random", layer_weights=[1.0])
    with pytest.raises(ConfigError, match=r"scales must be"):
        VGGPerceptualLoss(weights="random", scales=[2.0])
