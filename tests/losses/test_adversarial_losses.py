"""GAN and feature-matching losses against hand-computed values."""
from __future__ import annotations

import math

import pytest
import torch

from motionkit.interfaces import ScaleOutput
from motionkit.losses import FeatureMatchingLoss, GANLoss
from motionkit.nn import MultiscalePatchDiscriminator

LOGITS = torch.tensor([[[[2.0, -1.0], [0.5, 0.0]]]])  # (1, 1, 2, 2)


def softplus(x: float) -> float:
    return math.log1p(math.exp(x))


@pytest.mark.parametrize(
    "mode,real,for_d,expected",
    [
        ("lsgan", True, True, ((1.0) + 4.0 + 0.25 + 1.0) / 4),
        ("lsgan", False, True, (4.0 + 1.0 + 0.25 + 0.0) / 4),
        ("lsgan", True, False, ((1.0) + 4.0 + 0.25 + 1.0) / 4),
        ("hinge", True, True, (0.0 + 2.0 + 0.5 + 1.0) / 4),
        ("hinge", False, True, (3.0 + 0.0 + 1.5 + 1.0) / 4),
        ("hinge", True, False, -(2.0 - 1.0 + 0.5 + 0.0) / 4),
        ("non_saturating", True, True, (softplus(-2) + softplus(1) + softplus(-0.5) + softplus(0)) / 4),
        ("non_saturating", False, True, (softplus(2) + softplus(-1) + softplus(0.5) + softplus(0)) / 4),
        ("non_saturating", True, False, (softplus(-2) + softplus(1) + softplus(-0.5) + softplus(0)) / 4),
    ],
)
def test_gan_modes_match_hand_values(mode: str, real: bool, for_d: bool, expected: float) -> None:
    loss = GANLoss(mode=mode)
    assert loss(LOGITS, real, for_d).item() == pytest.approx(expected, abs=1e-6)


def test_scales_are_summed_or_averaged_and_discriminators_summed() -> None:
    scales = [ScaleOutput([], torch.full((1, 1, 3, 3), 1.0)), ScaleOutput([], torch.full((1, 1, 2, 2), 3.0))]
    # lsgan fake: mean(x^2) per scale = 1 and 9
    assert GANLoss()(scales, False).item() == pytest.approx(10.0)
    assert GANLoss(scale_reduction="mean")(scales, False).item() == pytest.approx(5.0)
    assert GANLoss()([scales, scales[:1]], False).item() == pytest.approx(11.0)


def test_hinge_generator_needs_real_target() -> None:
    with pytest.raises(ValueError, match="real=True"):
        GANLoss(mode="hinge")(LOGITS, False, for_discriminator=False)


def test_feature_matching_uses_pix2pixhd_weights() -> None:
    # 2 scales, 4 feature maps each: weight per layer (1/2) * (4/4)
    fake = [ScaleOutput([torch.full((1, 2, 2, 2), float(j)) for j in range(4)], torch.zeros(1, 1, 1, 1)) for _ in range(2)]
    real = [ScaleOutput([torch.full((1, 2, 2, 2), float(j) + 0.5 * (j + 1)) for j in range(4)], torch.zeros(1, 1, 1, 1)) for _ in range(2)]
    diffs = [0.5 * (j + 1) for j in range(4)]  # 0.5, 1, 1.5, 2
    expected = 2 * sum(0.5 * 1.0 * d for d in diffs)
    assert FeatureMatchingLoss()(fake, real).item() == pytest.approx(expected)
    # FOMM-style explicit layer weights, scales summed
    weights = [10.0, 0.0, 1.0, 2.0]
    assert FeatureMatchingLoss(layer_weights=weights)(fake, real).item() == pytest.approx(2 * (5 + 0 + 1.5 + 4))
    with pytest.raises(ValueError, match="layer_weights has 2 entries"):
        FeatureMatchingLoss(layer_weights=[1.0, 1.0])(fake, real)


def test_feature_matching_detaches_real_and_trains_generator_side() -> None:
    torch.manual_seed(0)
    d = MultiscalePatchDiscriminator(ndf=4, num_scales=2)
    fake_image = torch.rand(1, 3, 32, 32, requires_grad=True)
    real_image = torch.rand(1, 3, 32, 32, requires_grad=True)
    loss = FeatureMatchingLoss()(d(fake_image), d(real_image)) + GANLoss()(d(fake_image), True, False)
    loss.backward()
    assert fake_image.grad.abs().sum() > 0 and real_image.grad is None
    assert FeatureMatchingLoss()(d(real_image), d(real_image)).item() == 0.0


def test_mismatched_outputs_are_refused() -> None:
    a = [ScaleOutput([torch.zeros(1)], torch.zeros(1))]
    with pytest.raises(ValueError, match="different numbers"):
        FeatureMatchingLoss()(a, a + a)
    with pytest.raises(TypeError, match="ScaleOutput"):
        GANLoss()([[1, 2]], True)
