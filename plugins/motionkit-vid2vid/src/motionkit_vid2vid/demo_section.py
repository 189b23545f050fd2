"""The vid2vid section of ``motionkit demo``: train briefly on ``scenes``, synthesise unseen street clips.

The model and losses come from the built-in config ``vid2vid/scenes`` with :data:`OVERRIDES` (a pixel L1
term, a cosine learning-rate decay over the budget, bf16 autocast where the CPU has it). Training clips are
drawn from a pool of pre-rendered clips. On unseen label-map sequences the trained generator runs recurrently from the
first ``n_frames - 1`` real frames (the official ``--use_real_img`` start) and is scored against the real
frames and for temporal consistency (warping error with the exact flow the renderer knows).

The baseline synthesises frame by frame: pix2pixHD's global generator on the same per-frame conditions and
data, trained with L1 for a quarter of the training time (float32, constant learning rate); it sees no
previous frames.
"""
from __future__ import annotations

from typing import Iterable

import torch
from torch import nn

import motionkit as mk
from motionkit.demo import DemoContext, DemoSection, MetricRow, MetricsTable, SectionResult
from motionkit.demo.brief_training import split_losses, train_for_seconds, training_options
from motionkit.demo.compare import compare_to_baseline
from motionkit.demo.visuals import gray_to_rgb, labels_to_rgb, side_by_side
from motionkit.metrics import l1, psnr, ssim, warping_error
from motionkit.ops import flow_to_rgb
from motionkit.training import build_method, load_run_config

from .method import Vid2Vid
from .pipeline import inference_mode

SIZE = 64
METRICS = {"L1": (l1, False), "PSNR (dB)": (psnr, True), "SSIM": (ssim, True)}
#: fraction of the training time given to the frame-by-frame baseline
BASELINE_TIME = 0.25
#: the demo's changes to ``vid2vid/scenes``: a pixel L1 term (the config has no VGG loss) so that a training
#: run of a minute or two on a CPU already follows the real frames; the learning rate decays to 0 over the
#: time budget (cosine); bf16 autocast where the CPU has AMX/AVX512-BF16 (about 1.5x the steps)
OVERRIDES = ["model.lambda_l1=10", "train.optimizer.schedule.kind=cosine", "train.precision=auto"]


def _settings(quick: bool) -> dict[str, int]:
    if quick:
        return {"pool_clips": 4, "eval_clips": 1, "eval_frames": 8, "batch_size": 2}
    return {"pool_clips": 48, "eval_clips": 4, "eval_frames": 12, "batch_size": 4}


class FrameByFrame(mk.Method):
    """The baseline: pix2pixHD's global generator mapping each condition frame to an image on its own,
    trained with L1 on clips ``{"frames": (B, T, 3, H, W), "conditions": (B, T, C, H, W)}``."""

    name = "frame-by-frame"

    class Config(mk.Config):
        condition_channels: int = 7

    def __init__(self, config=None, **params) -> None:
        super().__init__(config, **params)
        self.generator = mk.create("generator", "pix2pixhd", condition_channels=self.config.condition_channels,
                                   ngf=32, n_downsample_global=3, n_blocks_global=4)

    def parameter_groups(self) -> dict[str, Iterable[nn.Parameter]]:
        return {"generator": self.generator.parameters()}

    def synthesize(self, conditions: torch.Tensor) -> torch.Tensor:
        """``conditions (B, T, C, H, W)`` -> frames ``(B, T, 3, H, W)`` in [0, 1]."""
        flat = self.generator(conditions.flatten(0, 1))["prediction"]
        return flat.view(*conditions.shape[:2], *flat.shape[1:])

    def generator_step(self, batch: dict[str, torch.Tensor]) -> mk.StepOutput:
        prediction = self.synthesize(batch["conditions"])
        return mk.StepOutput(losses={"l1": (prediction - batch["frames"]).abs().mean()})


def synthesize_clip(method: Vid2Vid, conditions: torch.Tensor, first_frames: torch.Tensor) -> dict[str, torch.Tensor]:
    """Run the generator recurrently over ``conditions (T, C, H, W)`` from ``first_frames (n - 1, 3, H, W)``
    in [0, 1]; returns frames ``n - 1 .. T - 1`` as ``frames`` ``(T', 3, H, W)`` in [0, 1] with their
    ``flow`` ``(T', 2, H, W)`` (pixels), blend ``weight`` ``(T', 1, H, W)`` and hallucinated ``raw`` images."""
    generator = method.generator
    first = generator.config.n_frames - 1
    previous = generator.pyramid((first_frames * 2 - 1).unsqueeze(0))
    collected: dict[str, list[torch.Tensor]] = {"frames": [], "raw": [], "flow": [], "weight": []}
    with inference_mode(generator, "official"):
        for t in range(first, conditions.shape[0]):
            results = generator.step(conditions[t - first: t + 1].unsqueeze(0), previous)
            previous = [torch.cat([p[:, 1:], r.image.unsqueeze(1)], dim=1) for p, r in zip(previous, results)]
            finest = results[-1]
            collected["frames"].append((finest.image[0] + 1) / 2)
            collected["raw"].append((finest.raw[0] + 1) / 2)
            collected["flow"].append(finest.flow[0])
            collected["weight"].append(finest.weight[0])
    return {k: torch.stack(v).clamp(0, 1) if k != "flow" else torch.stack(v) for k, v in collected.items()}


def run(context: DemoContext) -> SectionResult:
    """Train vid2vid and the baseline, evaluate on unseen clips and render the gallery section."""
    from motionkit.data import ScenesDataset  # imported here: plugin loading stays fast

    settings = _settings(context.quick)
    device = context.device
    reserve = context.budget_s * (0.5 if context.quick else 0.15)  # evaluation and media writing

    loaded = load_run_config("vid2vid/scenes", OVERRIDES)
    method: Vid2Vid = build_method(loaded).to(device)
    clip_length = method.config.max_frames
    context.progress.stage("rendering street scenes")
    train_data = ScenesDataset(height=SIZE, width=SIZE, num_frames=clip_length, length=settings["pool_clips"],
                               seed=context.seed)
    pool = torch.utils.data.default_collate([train_data[i] for i in range(len(train_data))])
    pool = {k: v.to(device) for k, v in pool.items()}
    held_out = ScenesDataset(height=SIZE, width=SIZE, num_frames=settings["eval_frames"],
                             length=settings["eval_clips"], seed=context.seed + 1)
    generator = torch.Generator().manual_seed(context.seed)

    def next_batch() -> dict[str, torch.Tensor]:
        picked = torch.randint(0, settings["pool_clips"], (settings["batch_size"],), generator=generator)
        return {k: v[picked.to(v.device)] for k, v in pool.items()}

    train_seconds = max(context.time_left() - reserve, 2.0)
    context.progress.stage("training vid2vid")
    history = train_for_seconds(method, next_batch, train_seconds * (1 - BASELINE_TIME),
                                progress=context.progress, **training_options(loaded.train, device))

    context.progress.stage("training the frame-by-frame baseline")
    baseline = FrameByFrame(condition_channels=method.config.condition.frame_channels).to(device)
    conditions_pool = method.condition(pool)

    def next_baseline_batch() -> dict[str, torch.Tensor]:
        picked = torch.randint(0, settings["pool_clips"], (settings["batch_size"],), generator=generator)
        return {"frames": pool["frames"][picked], "conditions": conditions_pool[picked]}

    baseline_history = train_for_seconds(baseline, next_baseline_batch, train_seconds * BASELINE_TIME, lr=1e-3,
                                         progress=context.progress)

    context.progress.stage("synthesising unseen clips")
    first = method.generator.config.n_frames - 1
    ours, theirs, truth, flows, visible = [], [], [], [], []
    shown: dict[str, torch.Tensor] = {}
    for index in range(settings["eval_clips"]):
        clip = {k: v.unsqueeze(0).to(device) for k, v in held_out[index].items()}
        conditions = method.condition(clip)[0]
        out = synthesize_clip(method, conditions, clip["frames"][0, :first])
        with torch.no_grad():
            frame_by_frame = baseline.synthesize(conditions[first:].unsqueeze(0))[0]
        ours.append(out["frames"].cpu())
        theirs.append(frame_by_frame.cpu())
        truth.append(clip["frames"][0, first:].cpu())
        flows.append(clip["flow"][0, first:].cpu())
        visible.append(clip["visible"][0, first:].cpu())
        if index == 0:
            shown = {**{k: v.cpu() for k, v in out.items()}, "baseline": frame_by_frame.cpu(),
                     "truth": clip["frames"][0].cpu(), "labels": clip["labels"][0, first:].cpu()}

    ours_t, theirs_t, truth_t = torch.stack(ours), torch.stack(theirs), torch.stack(truth)
    flow_t, visible_t = torch.stack(flows), torch.stack(visible)
    table = compare_to_baseline(METRICS, ours_t, theirs_t, truth_t, baseline_name="frame by frame")
    with torch.no_grad():
        warp = [float(warping_error(v, flow_t, masks=visible_t)) for v in (ours_t, theirs_t)]
    rows = table.rows + (MetricRow("warping error (temporal)", warp[0], warp[1], False),)
    clips, frames = settings["eval_clips"], settings["eval_frames"]
    table = MetricsTable("frame by frame (pix2pixHD generator)", rows,
                         f"{clips} unseen clips x {frames - first} synthesised frames (after {first} given real "
                         f"frames); warping error with the exact flow, real video: "
                         f"{float(warping_error(truth_t, flow_t, masks=visible_t)):.4g}")

    context.progress.stage("writing media")
    labels = labels_to_rgb(shown["labels"], method.config.condition.num_classes)
    generator_losses, discriminator_losses = split_losses(history)
    real = shown["truth"][first:]
    media = [
        context.video("labels", labels, caption="condition: semantic label maps of an unseen street", role="condition"),
        context.video("vid2vid", shown["frames"], caption="vid2vid", role="generated"),
        context.video("strip", side_by_side(labels, shown["baseline"], shown["frames"], real),
                      caption="labels | frame by frame | vid2vid | real", role="generated"),
        context.video("real", real, caption="real frames (rendered)", role="ground truth"),
        context.video("frame_by_frame", shown["baseline"], caption="frame-by-frame baseline", role="baseline"),
        context.video("flow", flow_to_rgb(shown["flow"]), caption="predicted flow to the previous frame",
                      role="visualisation"),
        context.video("weight", gray_to_rgb(shown["weight"]), caption="blend weight (white = hallucinated, "
                      "black = warped previous frame)", role="visualisation"),
        context.video("raw", shown["raw"], caption="hallucinated image", role="visualisation"),
        context.loss_plot("losses", generator_losses, caption="vid2vid generator losses (per step)"),
        context.loss_plot("discriminator_losses", discriminator_losses,
                          caption="vid2vid discriminator losses (per step)"),
        context.loss_plot("baseline_losses", baseline_history.losses, caption="baseline L1 (per step)"),
    ]
    notes = [
        f"vid2vid: {history.steps} steps (batch {settings['batch_size']}, clips of {clip_length} frames) in "
        f"{history.seconds:.0f} s on {SIZE}x{SIZE} scenes ({settings['pool_clips']} clips), config vid2vid/scenes "
        f"with {' '.join(OVERRIDES)}",
        f"baseline: {baseline_history.steps} steps in {baseline_history.seconds:.0f} s on the same clips",
        "evaluated on street scenes not seen in training",
    ]
    return SectionResult(media, table, notes)


SECTION = DemoSection(name="vid2vid", title="vid2vid: street videos from label maps", run=run)
