"""The ``vid2vid`` method: training (Wang et al., NeurIPS 2018) and official-checkpoint import.

Generator step on a clip (frames ``X_0..X_{T-1}``, conditions ``S_0..S_{T-1}``, ground-truth backward flows
``w_t`` from frame ``t`` to ``t-1``):

* the first ``n_frames - 1`` frames are given (the real frames, as the official training does; zeros with
  ``no_first_img``), then every frame is generated from the condition window and the previous frames of
  each scale (detached: the official ``n_frames_bp = 1``), ``X_t = (1 - M) * warp(X_{t-1}, W) + M * H``,
  with ``H = (1 - M_B) * H_F + M_B * H_B`` when a foreground model is configured;
* losses (official names and weights): ``gan`` + ``feature_matching`` (x ``lambda_feat``) of the conditional
  image discriminator on the frame and on the hallucinated image; ``vgg`` (x ``lambda_vgg``) on both;
  ``gan_temporal`` + ``feature_matching_temporal`` of the video discriminator on ``n_frames_D`` frames and
  their flows at ``temporal_scales`` scales; the flow loss ``L_W = mean_t |w~_t - w_t|_1`` (x ``lambda_F /
  2**(n_scales - 1)``) ``+ mean_t |w~_t(X_{t-1}) - X_t|_1`` (x ``lambda_T``); the temporal warp loss
  ``|X~_t - w_t(X~_{t-1})|_1`` (x ``lambda_T``); the mask regulariser ``mean |M|`` (x ``lambda_mask``).
  Pixel terms are weighted by the flow's visibility mask when the data provides one.

Ground-truth flow: the dataset's ``flow`` when present (e.g. ``scenes``), else the core DIS estimator on the
real frames (the official code needs FlowNet2's CUDA extensions).

Sequence length grows over training (:meth:`Vid2Vid.set_training_progress`): it starts at
``initial_frames`` and doubles at equal intervals until ``max_frames``, as the official schedule doubles
``n_frames_total``. Clips must hold at least ``max_frames`` frames.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Iterable, Optional

import torch
from pydantic import Field, model_validator
from torch import Tensor, nn

from motionkit.interfaces import Config, Method, StepOutput
from motionkit.losses import FeatureMatchingLoss, GANLoss, L1Loss, VGGPerceptualLoss
from motionkit.nn import MultiscalePatchDiscriminator, TemporalDiscriminator
from motionkit.ops.grid import flow_to_grid
from motionkit.ops.warp import warp_by_grid

from .condition import ConditionConfig, ConditionEncoder
from .sequence_generator import Vid2VidGenerator

CONFIG_DIR = Path(__file__).resolve().parent / "configs"


class FlowEstimatorSpec(Config):
    """A registered core flow estimator (``motionkit components --kind flow``) and its config."""

    name: str = "dis"
    params: dict[str, Any] = Field(default_factory=dict)


class Vid2VidConfig(Config):
    """Networks, losses and schedule of :class:`Vid2Vid`."""

    generator: Vid2VidGenerator.Config = Field(default_factory=lambda: Vid2VidGenerator.Config(frame_channels=7))
    condition: ConditionConfig = Field(default_factory=ConditionConfig)
    no_first_img: bool = Field(False, description="generate the first frames too (zeros as previous frames)")
    ndf: int = Field(64, ge=1, description="discriminator width (official --ndf)")
    n_layers_D: int = Field(3, ge=1)
    num_D: int = Field(2, ge=1, description="spatial scales of every discriminator")
    n_frames_D: int = Field(3, ge=2, description="frames per group of the video discriminator")
    temporal_scales: int = Field(2, ge=0, description="video discriminator temporal scales (0: none)")
    gan_mode: str = Field("lsgan", description="lsgan | hinge | non_saturating")
    lambda_feat: float = Field(10.0, ge=0, description="feature matching weight (official --lambda_feat)")
    lambda_vgg: float = Field(10.0, ge=0, description="VGG loss weight (official: lambda_feat; 0 = no VGG)")
    vgg_weights: Optional[str] = Field(None, description="VGG19 file (torchvision layout) or 'random' (tests)")
    lambda_F: float = Field(10.0, ge=0, description="flow loss weight (official --lambda_F)")
    lambda_T: float = Field(10.0, ge=0, description="warp losses weight (official --lambda_T)")
    lambda_mask: float = Field(1.0, ge=0, description="mask regulariser weight")
    lambda_l1: float = Field(
        0.0, ge=0, description="pixel L1 on the frame and hallucinated image (not in the official losses; a "
        "stand-in for the VGG loss when its weights are unavailable)"
    )
    flow_estimator: FlowEstimatorSpec = Field(
        default_factory=FlowEstimatorSpec, description="core flow estimator used when the data carries no 'flow'"
    )
    initial_frames: int = Field(4, ge=2, description="sequence length at the start of training")
    max_frames: int = Field(8, ge=2, description="sequence length at the end (clips must be this long)")

    @model_validator(mode="after")
    def _check(self) -> "Vid2VidConfig":
        if self.generator.frame_channels != self.condition.frame_channels:
            raise ValueError(
                f"generator.frame_channels={self.generator.frame_channels} but the condition gives "
                f"{self.condition.frame_channels} channels per frame"
            )
        if self.initial_frames <= self.generator.n_frames - 1 or self.max_frames < self.initial_frames:
            raise ValueError(
                f"need n_frames - 1 < initial_frames <= max_frames, got n_frames={self.generator.n_frames}, "
                f"initial_frames={self.initial_frames}, max_frames={self.max_frames}"
            )
        return self


def fold(x: Tensor) -> Tensor:
    """``(B, n, ...) -> (B * n, ...)``: frames of clips as one batch."""
    return x.reshape(-1, *x.shape[2:])


class Vid2Vid(Method):
    """vid2vid: sequential generator, conditional image and video discriminators (see the module docstring).

    Batches: ``frames (B, T, 3, H, W)`` in ``[0, 1]`` (or ``video``, as the core ``video-folder`` clips), the
    condition keys (see
    :mod:`motionkit_vid2vid.condition`), optionally ``flow (B, T-1, 2, H, W)`` (backward, pixels) and
    ``visible (B, T-1, 1, H, W)``.
    """

    name = "vid2vid"
    Config = Vid2VidConfig
    config: Vid2VidConfig
    discriminator_groups = ("discriminator",)
    config_dir = CONFIG_DIR

    def __init__(self, config: Optional[Vid2VidConfig] = None, **params) -> None:
        super().__init__(config, **params)
        c = self.config
        self.generator = Vid2VidGenerator(c.generator)
        self.condition = ConditionEncoder(c.condition)
        self.image_discriminator = MultiscalePatchDiscriminator(
            channels=c.generator.output_nc, condition_channels=c.condition.frame_channels,
            ndf=c.ndf, n_layers=c.n_layers_D, num_scales=c.num_D, norm="instance",
        )
        self.video_discriminator = (
            TemporalDiscriminator(
                channels=c.generator.output_nc, n_frames=c.n_frames_D, temporal_scales=c.temporal_scales,
                ndf=c.ndf, n_layers=c.n_layers_D, num_scales=c.num_D, norm="instance",
                align_corners=c.generator.align_corners,
            )
            if c.temporal_scales > 0 else None
        )
        self.gan = GANLoss(mode=c.gan_mode)
        self.feature_matching = FeatureMatchingLoss()
        self.l1 = L1Loss()
        self.vgg = VGGPerceptualLoss(weights=c.vgg_weights) if c.lambda_vgg > 0 else None
        self._flow_estimator: Optional[nn.Module] = None
        self.sequence_length = c.initial_frames

    # ---- engine interface -------------------------------------------------------------------------------
    def parameter_groups(self) -> dict[str, Iterable[nn.Parameter]]:
        discriminators = list(self.image_discriminator.parameters())
        if self.video_discriminator is not None:
            discriminators += list(self.video_discriminator.parameters())
        return {"generator": self.generator.parameters(), "discriminator": discriminators}

    def set_training_progress(self, step: int, total_steps: int) -> None:
        """Sequence length: ``initial_frames`` doubled at equal intervals of training, up to ``max_frames``."""
        c = self.config
        doublings = max(0, math.ceil(math.log2(c.max_frames / c.initial_frames)))
        stage = min(doublings, int(step * (doublings + 1) / max(total_steps, 1)))
        self.sequence_length = min(c.max_frames, c.initial_frames * 2**stage)

    def generator_step(self, batch: dict[str, Tensor]) -> StepOutput:
        c = self.config
        frames, conditions, flows, visible = self._inputs(batch)
        generated = self._generate(conditions, frames)
        fake, raw, flow, weight = generated["fake"], generated["raw"], generated["flow"], generated["weight"]
        first = c.generator.n_frames - 1
        real = frames[:, first:]
        cond = conditions[:, first:]
        gt_flow = flows[:, first - 1:]
        mask = None if visible is None else visible[:, first - 1:]
        losses: dict[str, Tensor] = {}

        real_out = self.image_discriminator(fold(real), fold(cond))
        gan, fm = 0, 0
        for image in (fake, raw):
            fake_out = self.image_discriminator(fold(image), fold(cond))
            gan = gan + self.gan(fake_out, True, for_discriminator=False)
            fm = fm + self.feature_matching(fake_out, real_out)
        losses["gan"] = gan
        if c.lambda_feat:
            losses["feature_matching"] = fm * c.lambda_feat
        if self.vgg is not None:
            losses["vgg"] = (self.vgg(fold(fake), fold(real)) + self.vgg(fold(raw), fold(real))) * c.lambda_vgg
        if c.lambda_l1:
            losses["l1"] = (self.l1(fake, real) + self.l1(raw, real)) * c.lambda_l1
        if flow is not None:
            flow_mask = None if mask is None else fold(mask)
            losses["flow"] = self.l1(fold(flow), fold(gt_flow), flow_mask) * c.lambda_F / 2 ** (c.generator.n_scales - 1)
            warped_real = self._warp(fold(frames[:, first - 1:-1]), fold(flow))
            losses["flow_warp"] = self.l1(warped_real, fold(real), flow_mask) * c.lambda_T
            if c.lambda_mask:
                losses["mask"] = self.l1(fold(weight), torch.zeros_like(fold(weight)), flow_mask) * c.lambda_mask
        previous_fake = torch.cat([generated["seed"][:, -1:], fake[:, :-1]], dim=1)
        warped_fake = self._warp(fold(previous_fake), fold(gt_flow)).detach()
        losses["temporal_warp"] = self.l1(fold(fake), warped_fake, None if mask is None else fold(mask)) * c.lambda_T
        if self.video_discriminator is not None:
            sequence = torch.cat([generated["seed"], fake], dim=1)
            real_t = self.video_discriminator.forward_temporal(frames, flows)
            fake_t = self.video_discriminator.forward_temporal(sequence, flows)
            losses["gan_temporal"] = self.gan(fake_t, True, for_discriminator=False)
            if c.lambda_feat:
                losses["feature_matching_temporal"] = self.feature_matching(fake_t, real_t) * c.lambda_feat
        outputs = {
            "fake": fake, "raw": raw, "real": real, "condition": cond, "sequence": torch.cat([generated["seed"], fake], 1),
            "frames": frames, "flows": flows,
        }
        if flow is not None:
            outputs.update(flow=flow, weight=weight)
        return StepOutput(losses=losses, outputs=outputs)

    def discriminator_step(self, batch: dict[str, Tensor], outputs: dict[str, Tensor]) -> dict[str, Tensor]:
        real, cond = fold(outputs["real"]), fold(outputs["condition"])
        d_real = self.gan(self.image_discriminator(real, cond), True)
        d_fake = 0
        for key in ("fake", "raw"):
            d_fake = d_fake + self.gan(self.image_discriminator(fold(outputs[key].detach()), cond), False)
        losses = {"real": d_real * 0.5, "fake": d_fake * 0.5}
        if self.video_discriminator is not None:
            real_t = self.video_discriminator.forward_temporal(outputs["frames"], outputs["flows"])
            fake_t = self.video_discriminator.forward_temporal(outputs["sequence"].detach(), outputs["flows"])
            losses["real_temporal"] = self.gan(real_t, True) * 0.5
            losses["fake_temporal"] = self.gan(fake_t, False) * 0.5
        return losses

    def visuals(self, batch: dict[str, Tensor], outputs: dict[str, Tensor]) -> dict[str, Tensor]:
        def last_frame(x: Tensor) -> Tensor:  # the last generated frame of each clip, in [0, 1]
            return ((x[:, -1] + 1) / 2).clamp(0, 1)

        shown = {"real": last_frame(outputs["real"]), "generated": last_frame(outputs["fake"]),
                 "hallucinated": last_frame(outputs["raw"])}
        if "weight" in outputs:
            shown["blend_weight"] = outputs["weight"][:, -1].expand(-1, 3, -1, -1)
        return shown

    # ---- helpers ----------------------------------------------------------------------------------------
    def _warp(self, image: Tensor, flow: Tensor) -> Tensor:
        """The generator's warp (official grid, border padding) of ``image`` by pixel ``flow``."""
        grid = flow_to_grid(flow, align_corners=True)
        return warp_by_grid(image, grid.to(image.dtype), align_corners=self.config.generator.align_corners, padding_mode="border")

    def flow_estimator(self) -> nn.Module:
        """The core flow estimator for data without ground-truth flow (built on first use)."""
        if self._flow_estimator is None:
            from motionkit.plugins import create

            spec = self.config.flow_estimator
            self._flow_estimator = create("flow", spec.name, **spec.params)
        return self._flow_estimator

    def _inputs(self, batch: dict[str, Tensor]) -> tuple[Tensor, Tensor, Tensor, Optional[Tensor]]:
        """Frames ``(B, T, 3, H, W)`` in ``[-1, 1]``, conditions, GT flows ``(B, T-1, 2, H, W)``, visibility."""
        if "frames" not in batch and "video" in batch:  # the core video-folder dataset's clips
            batch = {**batch, "frames": batch["video"]}
        if "frames" not in batch:
            raise ValueError(f"vid2vid batches need 'frames' (B, T, 3, H, W); got keys {sorted(batch)}")
        length = self.sequence_length
        frames01 = batch["frames"]
        if frames01.dim() != 5 or frames01.shape[1] < length:
            raise ValueError(
                f"'frames' must be (B, T, 3, H, W) with T >= {length} (current sequence length), got {tuple(frames01.shape)}"
            )
        clipped = {k: v[:, :length] if k in ("frames", "labels", "instances", "conditions") else v for k, v in batch.items()}
        conditions = self.condition(clipped)
        frames01 = frames01[:, :length].float()
        if "flow" in batch:
            flows = batch["flow"][:, : length - 1].float()
            visible = batch["visible"][:, : length - 1].float() if "visible" in batch else None
        else:
            estimator = self.flow_estimator()
            pairs_t = frames01[:, 1:].reshape(-1, *frames01.shape[2:])
            pairs_s = frames01[:, :-1].reshape(-1, *frames01.shape[2:])
            flows = estimator(pairs_t, pairs_s).reshape(frames01.shape[0], length - 1, 2, *frames01.shape[-2:])
            visible = None
        return frames01 * 2 - 1, conditions, flows, visible

    def _generate(self, conditions: Tensor, frames: Tensor) -> dict[str, Tensor]:
        """Generate frames ``n_frames - 1 .. T - 1`` of a clip recurrently (see the module docstring)."""
        c = self.config.generator
        first = c.n_frames - 1
        seed = torch.zeros_like(frames[:, :first]) if self.config.no_first_img else frames[:, :first]
        previous = self.generator.pyramid(seed)
        collected: dict[str, list[Tensor]] = {"fake": [], "raw": [], "flow": [], "weight": []}
        for t in range(first, frames.shape[1]):
            window = conditions[:, t - first: t + 1]
            results = self.generator.step(
                window, [p.detach() for p in previous], use_raw_only=self.config.no_first_img and t == first
            )
            previous = [torch.cat([p[:, 1:], r.image.unsqueeze(1)], dim=1) for p, r in zip(previous, results)]
            finest = results[-1]
            collected["fake"].append(finest.image)
            collected["raw"].append(finest.raw)
            if finest.flow is not None:
                collected["flow"].append(finest.flow)
                collected["weight"].append(finest.weight)
        out = {k: (torch.stack(v, dim=1) if v else None) for k, v in collected.items()}
        out["seed"] = seed
        return out

    @classmethod
    def from_official(cls, checkpoint: Path, config: Optional[Path] = None, *,
                      condition_params: Optional[dict[str, Any]] = None) -> "Vid2Vid":
        """A method whose generator is loaded from official per-scale files (``checkpoint``: the folder or its
        ``*_net_G0.pth``); ``config``: the official options (``opt.txt``, JSON or YAML). Discriminators start
        fresh (the official discriminators are not needed for synthesis).

        The condition follows the options: label maps (``label_nc``), the 15-channel face input of the core
        ``face-edge-maps`` extractor for ``dataset_mode: face`` (``condition_params`` go to it, e.g. the
        face-alignment ``weights_dir``; ``no_dist_map`` / ``no_canny_edge`` are honoured), otherwise
        condition images with ``input_nc`` channels."""
        from .official import generator_config, load_official_generator, read_options

        if config is None:
            folder = Path(checkpoint) if Path(checkpoint).is_dir() else Path(checkpoint).parent
            config = folder / "opt.txt"
        options = read_options(config)
        generator = generator_config(options)
        label_nc = int(options.get("label_nc", 0))
        if label_nc:
            condition = ConditionConfig(kind="labels", num_classes=label_nc, use_instance=bool(options.get("use_instance")))
        elif options.get("dataset_mode") == "face":
            params = {"distance_maps": not options.get("no_dist_map", False),
                      "background_edges": not options.get("no_canny_edge", False), **(condition_params or {})}
            condition = ConditionConfig(kind="extractor", extractor="face-edge-maps", params=params,
                                        channels=generator.frame_channels)
        else:
            condition = ConditionConfig(kind="image", channels=generator.frame_channels)
        if condition_params and condition.kind != "extractor":
            raise ValueError(f"{config}: condition_params given but the official options describe a '{condition.kind}' "
                             "condition, which takes none")
        method = cls(generator=generator, condition=condition, no_first_img=bool(options.get("no_first_img", False)),
                     lambda_vgg=0.0, temporal_scales=0)
        load_official_generator(method.generator, checkpoint)
        return method
