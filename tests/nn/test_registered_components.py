"""Every component this area registers builds from config, round-trips its state dict and runs a tiny pass."""
from __future__ import annotations

import torch

from motionkit.losses import FeatureMatchingLoss, GANLoss, GaussianKLLoss, L1Loss, TotalVariationLoss, VGGPerceptualLoss
from motionkit.losses import PyramidPerceptualLoss
from motionkit.nn import MultiscalePatchDiscriminator, Pix2PixHDGenerator, TemporalDiscriminator
from motionkit.testing import check_component, fresh_registry


def test_names_are_registered() -> None:
    names = set(fresh_registry().names())
    expected = {
        "generator:pix2pixhd", "discriminator:multiscale_patch", "discriminator:temporal_patch", "loss:gan",
        "loss:feature_matching", "loss:vgg_perceptual", "loss:pyramid_perceptual", "loss:l1",
        "loss:total_variation", "loss:gaussian_kl",
    }
    assert expected <= names


def test_generator_and_discriminators_conform() -> None:
    def run_generator(g):
        with torch.no_grad():
            assert g(torch.rand(1, 36, 32, 32))["prediction"].shape == (1, 3, 32, 32)

    check_component(Pix2PixHDGenerator, {"ngf": 2, "n_blocks_global": 1, "n_downsample_global": 2}, forward=run_generator)
    check_component(MultiscalePatchDiscriminator, {"ndf": 4, "condition_channels": 2},
                    forward=lambda d: d(torch.rand(1, 3, 32, 32), torch.rand(1, 2, 32, 32)))
    check_component(TemporalDiscriminator, {"ndf": 4, "num_scales": 1},
                    forward=lambda d: d(torch.rand(1, 3, 3, 16, 16), torch.rand(1, 2, 2, 16, 16)))


def test_losses_conform() -> None:
    x, y = torch.rand(1, 3, 16, 16), torch.rand(1, 3, 16, 16)
    check_component(GANLoss, forward=lambda loss: loss(x, True))
    check_component(FeatureMatchingLoss)
    check_component(L1Loss, forward=lambda loss: loss(x, y))
    check_component(TotalVariationLoss, forward=lambda loss: loss(x))
    check_component(GaussianKLLoss, forward=lambda loss: loss(x, y))
    check_component(VGGPerceptualLoss, {"weights": "random"}, forward=lambda loss: loss(x, y))
    check_component(PyramidPerceptualLoss, {"weights": "random", "scales": [1.0]}, forward=lambda loss: loss(x, y))
