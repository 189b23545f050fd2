"""VGG19 perceptual losses: pix2pixHD's weighted layer L1 and FOMM's image-pyramid version."""
from __future__ import annotations

import re
from typing import Optional

import torch
from pydantic import Field, model_validator

from motionkit.interfaces import Config, Loss
from motionkit.losses.l1 import mean_absolute_error
from motionkit.nn.vgg19 import VGG19Features
from motionkit.ops import ImagePyramid



def _drop_vgg_keys(module, state, prefix, local_metadata) -> None:
    """State-dict hook: the frozen VGG comes from its own file, so checkpoints do not carry it."""
    for key in [k for k in state if k.startswith(prefix + "vgg.")]:
        del state[key]


def _ignore_missing_vgg_keys(module, incompatible_keys) -> None:
    """Load hook: checkpoints without the VGG keys (as :func:`_drop_vgg_keys` writes them) load strictly."""
    missing = incompatible_keys.missing_keys
    for key in [k for k in missing if re.search(r"(^|\.)vgg\.features\.", k)]:
        missing.remove(key)


class VGGPerceptualLoss(Loss):
    """``forward(prediction, target)`` (both ``(B, 3, H, W)``): sum over ``scales`` and the VGG19 layers
    relu1_1..relu5_1 of ``layer_weights[i] * mean|VGG_i(prediction) - VGG_i(target)|`` (target detached).

    Defaults are pix2pixHD's: weights ``1/32, 1/16, 1/8, 1/4, 1``, a single scale, images fed as given
    (pix2pixHD passes [-1, 1] images; set ``imagenet_normalize`` for [0, 1] images and ImageNet statistics).
    Scales below 1 use FOMM's anti-aliased pyramid (:class:`motionkit.ops.ImagePyramid`).

    ``weights``: path of torchvision's ``vgg19-dcbb9e9d.pth``; when unset it is looked up in
    ``$MOTIONKIT_VGG19_WEIGHTS`` and the torch hub cache (:func:`motionkit.nn.vgg19.find_vgg19_weights`),
    and a missing file raises :class:`~motionkit.errors.MissingWeightsError`. ``weights: random`` uses
    untrained features: for tests and smoke runs only. The frozen VGG is not part of the loss's state dict.
    """

    name = "vgg_perceptual"

    class Config(Config):
        weights: Optional[str] = Field(None, description="VGG19 file path, 'random' (tests/smoke runs), or unset")
        layer_weights: list[float] = Field([1 / 32, 1 / 16, 1 / 8, 1 / 4, 1.0], description="relu1_1..relu5_1")
        scales: list[float] = Field([1.0], description="image pyramid scales in (0, 1]")
        imagenet_normalize: bool = Field(False, description="normalise [0, 1] inputs by ImageNet mean/std")

        @model_validator(mode="after")
        def _check(self):
            if len(self.layer_weights) != 5:
                raise ValueError(f"layer_weights needs 5 entries (relu1_1..relu5_1), got {len(self.layer_weights)}")
            if not self.scales or not all(0 < s <= 1 for s in self.scales):
                raise ValueError(f"scales must be a non-empty list of values in (0, 1], got {self.scales}")
            return self

    def __init__(self, config: Optional[Config] = None, **params) -> None:
        super().__init__(config, **params)
        self.vgg = VGG19Features(self.config.weights, imagenet_normalize=self.config.imagenet_normalize)
        self.pyramid = ImagePyramid(3, self.config.scales)
        self.register_state_dict_post_hook(_drop_vgg_keys)
        self.register_load_state_dict_post_hook(_ignore_missing_vgg_keys)

    def forward(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if prediction.shape != target.shape or prediction.dim() != 4 or prediction.shape[1] != 3:
            raise ValueError(
                f"prediction and target must both be (B, 3, H, W), got {tuple(prediction.shape)} and {tuple(target.shape)}"
            )
        total = 0
        for pred_level, target_level in zip(self.pyramid(prediction), self.pyramid(target)):
            pred_features = self.vgg(pred_level)
            target_features = self.vgg(target_level)
            for weight, a, b in zip(self.config.layer_weights, pred_features, target_features):
                if weight:
                    total = total + weight * mean_absolute_error(a, b.detach())
        return total


class PyramidPerceptualLoss(VGGPerceptualLoss):
    """FOMM's pyramid perceptual loss: :class:`VGGPerceptualLoss` on anti-aliased copies of both images at
    scales ``1, 0.5, 0.25, 0.125``, images in [0, 1] normalised by the ImageNet statistics, every layer
    weighted 10 (FOMM's ``loss_weights.perceptual`` in its configs)."""

    name = "pyramid_perceptual"

    class Config(VGGPerceptualLoss.Config):
        layer_weights: list[float] = Field([10.0] * 5, description="relu1_1..relu5_1")
        scales: list[float] = Field([1.0, 0.5, 0.25, 0.125], description="image pyramid scales in (0, 1]")
        imagenet_normalize: bool = True
