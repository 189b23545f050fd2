"""The ``first-order`` method: keypoint detector + occlusion-aware generator + keypoint discriminator,
trained on frame pairs of one video as in the official ``GeneratorFullModel``/``DiscriminatorFullModel``."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Optional

import torch
import torch.nn.functional as F
from torch import nn

import motionkit as mk
from motionkit.demo.visuals import draw_keypoints
from motionkit.losses import (
    JacobianEquivarianceLoss,
    KeypointEquivarianceLoss,
    VGGPerceptualLoss,
    mean_absolute_error,
)
from motionkit.nn import KeypointDiscriminator
from motionkit.ops import ImagePyramid, RandomTPSTransform, warp_by_grid

from .config import FirstOrderConfig
from .generator import OcclusionAwareGenerator
from .keypoint_detector import KeypointDetector


class FirstOrder(mk.Method):
    """First Order Motion Model for Image Animation (Siarohin et al., NeurIPS 2019).

    Training batches: ``{"source": (B, 3, H, W), "driving": (B, 3, H, W)}`` in [0, 1], two frames of the
    same video. :meth:`generator_step` returns the weighted losses named as in the official code
    (``perceptual``, ``reconstruction``, ``gen_gan``, ``feature_matching``, ``equivariance_value``,
    ``equivariance_jacobian``; terms with weight 0 are skipped). Adversarial training (the
    ``discriminator`` group and :meth:`discriminator_step`) is on when ``loss_weights.generator_gan > 0``,
    as in the official training loop. Inference: :class:`motionkit_first_order.Animator`.
    """

    name = "first-order"
    config_dir = Path(__file__).parent / "configs"
    Config = FirstOrderConfig

    def __init__(self, config: Optional[FirstOrderConfig] = None, **params) -> None:
        super().__init__(config, **params)
        c = self.config
        common = c.common_params.model_dump()
        self.kp_detector = KeypointDetector(**c.kp_detector_params.model_dump(), **common)
        self.generator = OcclusionAwareGenerator(**c.generator_params.model_dump(), **common)
        self.discriminator = KeypointDiscriminator(
            **c.discriminator_params.model_dump(), num_kp=c.common_params.num_kp,
            num_channels=c.common_params.num_channels,
        )
        weights = c.loss_params.loss_weights
        self.adversarial = weights.generator_gan > 0
        self.discriminator_groups = ("discriminator",) if self.adversarial else ()
        # Loss-only modules hold fixed tensors (pyramid kernels, VGG19) that checkpoints must not carry:
        # they live outside the module tree and follow the inputs' device.
        self._loss_modules: dict[str, nn.Module] = {
            "pyramid": ImagePyramid(c.common_params.num_channels, c.loss_params.scales)
        }
        self.keypoint_equivariance = KeypointEquivarianceLoss()
        self.jacobian_equivariance = JacobianEquivarianceLoss()
        self._channels_last = False  # switched on by the first training step

    # -- training ----------------------------------------------------------------------------------
    def parameter_groups(self) -> dict[str, Iterable[nn.Parameter]]:
        """``kp_detector`` and ``generator``; ``discriminator`` too when adversarial training is on."""
        groups = {"kp_detector": list(self.kp_detector.parameters()), "generator": list(self.generator.parameters())}
        if self.adversarial:
            groups["discriminator"] = list(self.discriminator.parameters())
        return groups

    def _perceptual(self, like: torch.Tensor) -> nn.Module:
        """FOMM's pyramid perceptual loss, built on first use (only training needs the VGG19 weights)."""
        if "perceptual" not in self._loss_modules:
            params = self.config.loss_params
            self._loss_modules["perceptual"] = VGGPerceptualLoss(
                weights=params.vgg19_weights, layer_weights=list(params.loss_weights.perceptual),
                scales=list(params.scales), imagenet_normalize=True,
            ).to(memory_format=torch.channels_last if self._channels_last else torch.contiguous_format)
        return self._loss_modules["perceptual"].to(like.device)

    def _pyramids(self, *images: torch.Tensor) -> list[list[torch.Tensor]]:
        return [self._loss_modules["pyramid"](image) for image in images]

    def _check_batch(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        missing = [k for k in ("source", "driving") if k not in batch]
        if missing:
            raise KeyError(f"first-order batches need 'source' and 'driving' frames (B, 3, H, W); missing {missing}")
        layout = torch.channels_last if self._channels_last else torch.contiguous_format
        return tuple(batch[k].contiguous(memory_format=layout) for k in ("source", "driving"))

    def _use_channels_last(self) -> None:
        """On the first training step, switch the networks to channels-last memory: oneDNN trains faster that
        way on CPU (vox-256, batch 2, one thread: float32 7.8 s instead of 8.2 s per step, bfloat16 autocast
        2.8 s instead of 4.0 s). Parameters stay the same objects (optimizers keep them) and checkpoints are
        written contiguous; plain (non-training) use keeps the default layout, in which the networks
        reproduce the official code bit for bit."""
        if not self._channels_last:
            self._channels_last = True
            self.to(memory_format=torch.channels_last)

    def generator_step(self, batch: dict[str, torch.Tensor]) -> mk.StepOutput:
        self._use_channels_last()
        source, driving = self._check_batch(batch)
        weights = self.config.loss_params.loss_weights
        kp_source = self.kp_detector(source)
        kp_driving = self.kp_detector(driving)
        generated = self.generator(source, kp_source, kp_driving)
        prediction = generated["prediction"]
        losses: dict[str, torch.Tensor] = {}

        if any(weights.perceptual):
            losses["perceptual"] = self._perceptual(prediction)(prediction, driving)
        if weights.reconstruction:
            real_levels, fake_levels = self._pyramids(driving, prediction)
            losses["reconstruction"] = weights.reconstruction * sum(
                mean_absolute_error(fake, real) for real, fake in zip(real_levels, fake_levels)
            )

        if self.adversarial:
            kp_condition = kp_driving.value.detach()
            fake_scales = self.discriminator(prediction, kp_condition)
            real_scales = self.discriminator(driving, kp_condition)
            losses["gen_gan"] = weights.generator_gan * sum(((1 - s.logits) ** 2).mean() for s in fake_scales)
            if any(weights.feature_matching):
                total = prediction.new_zeros(())
                for real, fake in zip(real_scales, fake_scales):
                    for weight, a, b in zip(weights.feature_matching, real.features, fake.features):
                        if weight:
                            total = total + weight * (a - b).abs().mean()
                losses["feature_matching"] = total

        outputs = dict(generated, kp_source=kp_source.value, kp_driving=kp_driving.value)
        if weights.equivariance_value or weights.equivariance_jacobian:
            params = self.config.loss_params.transform_params
            transform = RandomTPSTransform.sample(
                driving.shape[0], sigma_affine=params.sigma_affine, sigma_tps=params.sigma_tps,
                points_tps=params.points_tps, device=driving.device, dtype=driving.dtype,
            )
            # as the official code: align_corners=True coordinates (the keypoints' convention), sampled with
            # align_corners=False, reflection padding
            grid = transform.sampling_grid(*driving.shape[2:], align_corners=True)
            transformed_frame = warp_by_grid(driving, grid.to(driving), align_corners=False, padding_mode="reflection")
            kp_transformed = self.kp_detector(transformed_frame)
            outputs.update(transformed_frame=transformed_frame, kp_transformed=kp_transformed.value)
            if weights.equivariance_value:
                losses["equivariance_value"] = weights.equivariance_value * self.keypoint_equivariance(
                    kp_driving.value, kp_transformed.value, transform
                )
            if weights.equivariance_jacobian:
                losses["equivariance_jacobian"] = weights.equivariance_jacobian * self.jacobian_equivariance(
                    kp_driving.jacobian, kp_transformed.value, kp_transformed.jacobian, transform
                )
        if not losses:
            raise mk.ConfigError("first-order: every loss weight is 0; set at least one in loss_params.loss_weights")
        return mk.StepOutput(losses=losses, outputs=outputs)

    def discriminator_step(self, batch: dict[str, torch.Tensor], outputs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """LSGAN discriminator loss ``(1 - D(real))^2 + D(fake)^2`` per scale, conditioned on driving keypoints."""
        if not self.adversarial:
            return {}
        _, driving = self._check_batch(batch)
        kp_condition = outputs["kp_driving"].detach()
        fake_scales = self.discriminator(outputs["prediction"].detach(), kp_condition)
        real_scales = self.discriminator(driving, kp_condition)
        weight = self.config.loss_params.loss_weights.discriminator_gan
        value = sum(((1 - r.logits) ** 2 + f.logits**2).mean() for r, f in zip(real_scales, fake_scales))
        return {"disc_gan": weight * value}

    def visuals(self, batch: dict[str, torch.Tensor], outputs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Source and driving with their keypoints, prediction, deformed source and occlusion map."""
        source, driving = self._check_batch(batch)
        images = {
            "source": draw_keypoints(source, outputs["kp_source"]),
            "driving": draw_keypoints(driving, outputs["kp_driving"]),
            "prediction": outputs["prediction"],
        }
        if "deformed" in outputs:
            images["deformed"] = outputs["deformed"]
        if "occlusion_map" in outputs:
            occlusion = F.interpolate(outputs["occlusion_map"], size=source.shape[2:], mode="bilinear", align_corners=False)
            images["occlusion_map"] = occlusion.expand(-1, 3, -1, -1)
        return {k: v.detach().float().clamp(0, 1) for k, v in images.items()}

    # -- official checkpoints ------------------------------------------------------------------------
    @classmethod
    def from_official(cls, checkpoint: Path, config: Optional[Path] = None) -> "FirstOrder":
        """Build from an official ``*.pth.tar`` and its official YAML (see :mod:`.official`)."""
        from .official import load_official_first_order

        return load_official_first_order(cls, checkpoint, config)
