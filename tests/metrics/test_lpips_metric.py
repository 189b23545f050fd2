"""LPIPS with test-made AlexNet weights chosen so the distance can be computed by hand."""
from __future__ import annotations

import math

import pytest
import torch

from motionkit.errors import InputError, MissingWeightsError
from motionkit.metrics import LPIPS, lpips
from motionkit.metrics.lpips import ALEXNET_CONVS, SCALE, SHIFT, AlexNetFeatures

from metric_helpers import constant_frames


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    """conv1 copies R and G (centre tap; stride-4 taps stay inside the image) into channels 0 and 1;
    every other conv is zero, and only the first linear layer is non-zero (all ones)."""
    folder = tmp_path_factory.mktemp("lpips")
    state = {k: torch.zeros_like(v) for k, v in AlexNetFeatures().state_dict().items()}
    state["features.0.weight"][0, 0, 5, 5] = 1.0
    state["features.0.weight"][1, 1, 5, 5] = 1.0
    state["classifier.1.weight"] = torch.zeros(4, 4)  # torchvision files also hold the classifier
    torch.save(state, folder / "alexnet.pth")
    linear = {f"lin{i}.model.1.weight": torch.zeros(1, cout, 1, 1) for i, (*_, cout, _, _, _) in enumerate(ALEXNET_CONVS)}
    linear["lin0.model.1.weight"].fill_(1.0)
    torch.save(linear, folder / "alex.pth")
    return folder / "alexnet.pth", folder / "alex.pth"


def scaled(value: float, channel: int) -> float:
    return (2 * value - 1 - SHIFT[channel]) / SCALE[channel]


def test_lpips_of_constant_images_by_hand(weights) -> None:
    net = LPIPS(*weights)
    a, b = constant_frames([[0.9, 0.6, 0.0]], size=64), constant_frames([[0.6, 0.9, 0.0]], size=64)
    ra, ga, rb, gb = scaled(0.9, 0), scaled(0.6, 1), scaled(0.6, 0), scaled(0.9, 1)
    na, nb = math.hypot(ra, ga), math.hypot(rb, gb)
    expected = (ra / na - rb / nb) ** 2 + (ga / na - gb / nb) ** 2  # same at every conv1 position
    assert float(lpips(a, b, net)) == pytest.approx(expected, rel=1e-5)
    assert float(lpips(a, a, net)) == 0.0


def test_lpips_needs_the_backbone_file(tmp_path) -> None:
    with pytest.raises(MissingWeightsError, match="alexnet-owt-7be5be79.pth"):
        lpips(torch.rand(1, 3, 64, 64), torch.rand(1, 3, 64, 64), None)
    with pytest.raises(MissingWeightsError, match="missing.pth not found"):
        LPIPS(tmp_path / "missing.pth")


def test_lpips_refuses_frames_below_alexnets_minimum(weights) -> None:
    with pytest.raises(InputError, match="smaller than AlexNet's 31-pixel minimum"):
        lpips(torch.rand(1, 3, 16, 64), torch.rand(1, 3, 16, 64), LPIPS(*weights))


def test_linear_layers_default_to_the_copy_installed_with_torchmetrics(weights) -> None:
    net = LPIPS(weights[0])
    assert net.linear_path.name == "alex.pth" and "torchmetrics" in str(net.linear_path)
    assert float(net.lins[0].weight.abs().sum()) > 0
