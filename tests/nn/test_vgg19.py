"""VGG19 features: torchvision-layout loader (state dicts built here), lookup order and errors."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from motionkit.errors import CheckpointError, MissingWeightsError
from motionkit.nn.vgg19 import VGG19_ENV, VGG19_FILENAME, VGG19Features, find_vgg19_weights, load_vgg19_state

#: (index in torchvision's vgg19().features, out channels) of its 16 convolutions
CONVS = [(0, 64), (2, 64), (5, 128), (7, 128), (10, 256), (12, 256), (14, 256), (16, 256),
         (19, 512), (21, 512), (23, 512), (25, 512), (28, 512), (30, 512), (32, 512), (34, 512)]


def torchvision_state(seed: int = 0) -> dict[str, torch.Tensor]:
    """A state dict with torchvision's VGG19 key names and shapes (random values, 8-wide classifier stub)."""
    generator = torch.Generator().manual_seed(seed)
    state, channels = {}, 3
    for index, out in CONVS:
        state[f"features.{index}.weight"] = torch.randn(out, channels, 3, 3, generator=generator) * (2 / (9 * channels)) ** 0.5
        state[f"features.{index}.bias"] = torch.randn(out, generator=generator) * 0.01
        channels = out
    state["classifier.0.weight"] = torch.zeros(8, 25088)  # ignored, real file: (4096, 25088)
    state["classifier.6.bias"] = torch.zeros(1000)
    return state


@pytest.fixture(scope="module")
def weights_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, torch.Tensor]]:
    state = torchvision_state()
    path = tmp_path_factory.mktemp("vgg") / VGG19_FILENAME
    torch.save(state, path)
    return path, state


def _reference(x: torch.Tensor, state: dict[str, torch.Tensor]) -> list[torch.Tensor]:
    """relu1_1 ... relu5_1 computed straight from torchvision-named tensors."""
    def conv(x, i):
        return F.relu(F.conv2d(x, state[f"features.{i}.weight"], state[f"features.{i}.bias"], padding=1))

    r11 = conv(x, 0)
    r21 = conv(F.max_pool2d(conv(r11, 2), 2), 5)
    r31 = conv(F.max_pool2d(conv(r21, 7), 2), 10)
    r41 = conv(F.max_pool2d(conv(conv(conv(r31, 12), 14), 16), 2), 19)
    r51 = conv(F.max_pool2d(conv(conv(conv(r41, 21), 23), 25), 2), 28)
    return [r11, r21, r31, r41, r51]


def test_loads_torchvision_layout_and_computes_the_five_relus(weights_file) -> None:
    path, state = weights_file
    vgg = VGG19Features(path)
    x = torch.rand(2, 3, 32, 48)
    with torch.no_grad():
        ours = vgg(x)
    for a, b in zip(ours, _reference(x, state)):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-4)
    assert [tuple(o.shape[1:]) for o in ours] == [(64, 32, 48), (128, 16, 24), (256, 8, 12), (512, 4, 6), (512, 2, 3)]
    assert not any(p.requires_grad for p in vgg.parameters())


def test_imagenet_normalisation(weights_file) -> None:
    path, state = weights_file
    vgg = VGG19Features(path, imagenet_normalize=True)
    x = torch.rand(1, 3, 16, 16)
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    with torch.no_grad():
        torch.testing.assert_close(vgg(x)[0], _reference((x - mean) / std, state)[0], atol=1e-5, rtol=1e-4)


def test_lookup_order(weights_file, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, _ = weights_file
    monkeypatch.delenv(VGG19_ENV, raising=False)
    hub = tmp_path / "torch_home"
    monkeypatch.setenv("TORCH_HOME", str(hub))
    with pytest.raises(MissingWeightsError, match=rf"put torchvision's {VGG19_FILENAME} at {hub}/hub/checkpoints/.*{VGG19_ENV}.*weights: random"):
        find_vgg19_weights()
    (hub / "hub" / "checkpoints").mkdir(parents=True)
    (hub / "hub" / "checkpoints" / VGG19_FILENAME).symlink_to(path)
    assert find_vgg19_weights() == hub / "hub" / "checkpoints" / VGG19_FILENAME
    monkeypatch.setenv(VGG19_ENV, str(path))
    assert find_vgg19_weights() == path
    monkeypatch.setenv(VGG19_ENV, str(tmp_path / "nope.pth"))
    with pytest.raises(MissingWeightsError, match="nope.pth"):
        find_vgg19_weights()
    with pytest.raises(MissingWeightsError, match="other.pth"):
        VGG19Features(tmp_path / "other.pth")


def test_wrong_files_are_named(tmp_path: Path) -> None:
    state = {"features.0.weight": torch.zeros(64, 3, 3, 3), "features.0.bias": torch.zeros(64),
             "features.2.weight": torch.zeros(64, 32, 3, 3)}
    wrong_shape = tmp_path / "vgg16.pth"
    torch.save(state, wrong_shape)
    with pytest.raises(CheckpointError, match=r"vgg16.pth: not torchvision's VGG19: features.2.weight has shape \(64, 32, 3, 3\)"):
        load_vgg19_state(wrong_shape)
    resnet = tmp_path / "resnet.pth"
    torch.save({"conv1.weight": torch.zeros(64, 3, 7, 7)}, resnet)
    with pytest.raises(CheckpointError, match="resnet.pth: not a VGG19 file in torchvision's layout.*features.0.weight"):
        load_vgg19_state(resnet)
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="junk.pth"):
        load_vgg19_state(junk)


def test_random_features_and_small_inputs() -> None:
    vgg = VGG19Features("random")
    with pytest.raises(ValueError, match="at least 16x16"):
        vgg(torch.rand(1, 3, 8, 32))
    x = torch.rand(1, 3, 16, 16, requires_grad=True)
    vgg(x)[-1].sum().backward()
    assert x.grad is not None
