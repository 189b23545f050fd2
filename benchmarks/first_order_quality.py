"""Quality bar of the first-order plugin: train on ``sprites`` for a fixed wall-time budget (rendering the
training videos once included; the config's batch, optimizer, learning-rate schedule and precision), then
measure on held-out videos (another seed, so other objects and motions):

* self-reconstruction: each video's frame 0 animated by its own frames (absolute keypoints, as the
  official reconstruction mode), L1 against the true frames, vs. the copy-frame-0 baseline;
* cross-identity transfer: object A (in B's first pose) driven by B's video (relative mode), L1 against
  the dataset's exact rendering of A moving like B, vs. the copy-the-source baseline;
* keypoint consistency: (a) equivariance error, |kp(frame) - T(kp(T-warped frame))| under the training's
  random TPS, in pixels; (b) identity independence, |(kp(A_t) - kp(A_0)) - (kp(B_t) - kp(B_0))| for A and B
  moving identically, in pixels.

    python benchmarks/first_order_quality.py --minutes 10 [--threads 2] [--out runs/fomm-sprites-bench]

Prints a JSON report (and writes it and the trained checkpoint to --out).
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Optional

import torch

import motionkit as mk
from motionkit.data import SpritesDataset
from motionkit.demo import ProgressReporter
from motionkit.demo.brief_training import train_for_seconds, training_options
from motionkit.ops import RandomTPSTransform, warp_by_grid
from motionkit.training import build_dataset, build_method, load_run_config
from motionkit.training.run import LoadedConfig
from motionkit_first_order import Animator, FirstOrder

CONFIG = Path(FirstOrder.config_dir) / "sprites.yaml"


def train(method: FirstOrder, data: SpritesDataset, loaded: LoadedConfig, minutes: float,
          max_steps: Optional[int] = None, log_every: int = 50) -> dict:
    """Train within ``minutes`` of wall time, which includes rendering every training video once (frame
    pairs are then drawn from memory: rendering each pair on the fly, with flows the step does not use, took
    a quarter of a bf16 step), with the config's batch size, optimizer, schedule and precision."""
    start = time.monotonic()
    videos = torch.stack([data.video(v)["video"] for v in range(data.config.num_videos)])  # (N, T, 3, H, W)
    rendering_seconds = time.monotonic() - start
    batch_size = loaded.train.batch_size
    sampler = torch.Generator().manual_seed(loaded.train.seed)

    def next_batch() -> dict[str, torch.Tensor]:
        picked = torch.randint(0, len(videos), (batch_size,), generator=sampler)
        frames = torch.stack([torch.randperm(videos.shape[1], generator=sampler)[:2] for _ in range(batch_size)])
        return {"source": videos[picked, frames[:, 0]], "driving": videos[picked, frames[:, 1]]}

    options = training_options(loaded.train, torch.device("cpu"))
    seconds = minutes * 60 - rendering_seconds
    with ProgressReporter(seconds) as progress:
        progress.begin_section("training first-order on sprites")
        losses = train_for_seconds(method, next_batch, seconds, progress=progress, max_steps=max_steps, **options)
    history = [{"step": step, **{k: round(v[step - 1], 4) for k, v in losses.losses.items()}}
               for step in range(log_every, losses.steps + 1, log_every)]
    return {"steps": losses.steps, "seconds": round(time.monotonic() - start, 1),
            "rendering_seconds": round(rendering_seconds, 1), "precision": options["precision"].name,
            "history": history}


def l1(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).abs().mean())


@torch.no_grad()
def evaluate(method: FirstOrder, data: SpritesDataset, videos: int, frames: int) -> dict:
    method.eval()
    size = data.config.height
    animator_abs = Animator(method, relative=False, size=size)
    animator_rel = Animator(method, relative=True, size=size)
    recon, recon_base, cross, cross_base, equi, ident = [], [], [], [], [], []
    generator = torch.Generator().manual_seed(0)
    params = method.config.loss_params.transform_params
    for v in range(videos):
        clip = data.video(v, frames)["video"]  # (T, 3, H, W)
        predicted = torch.stack(list(animator_abs.animate(clip[0], clip)))
        recon.append(l1(predicted[1:], clip[1:]))
        recon_base.append(l1(clip[0].expand_as(clip[1:]), clip[1:]))

        pair = data.cross_identity(v, (v + 1) % videos, frames)
        predicted = torch.stack(list(animator_rel.animate(pair["source"], pair["driving"])))
        cross.append(l1(predicted[1:], pair["target"][1:]))
        cross_base.append(l1(pair["source"].expand_as(pair["target"][1:]), pair["target"][1:]))

        kp_target = method.kp_detector(pair["target"]).value
        kp_driving = method.kp_detector(pair["driving"]).value
        motion_gap = (kp_target - kp_target[:1]) - (kp_driving - kp_driving[:1])
        ident.append(float(motion_gap.norm(dim=-1).mean()) * size / 2)

        transform = RandomTPSTransform.sample(clip.shape[0], sigma_affine=params.sigma_affine, sigma_tps=params.sigma_tps,
                                              points_tps=params.points_tps, generator=generator)
        warped = warp_by_grid(clip, transform.sampling_grid(size, size, align_corners=True), align_corners=False,
                              padding_mode="reflection")
        kp = method.kp_detector(clip).value
        back = transform.warp_coordinates(method.kp_detector(warped).value)
        equi.append(float((kp - back).norm(dim=-1).mean()) * size / 2)

    mean = lambda xs: sum(xs) / len(xs)  # noqa: E731
    report = {
        "self_reconstruction_l1": mean(recon), "self_reconstruction_copy_baseline_l1": mean(recon_base),
        "cross_identity_l1": mean(cross), "cross_identity_copy_baseline_l1": mean(cross_base),
        "keypoint_equivariance_error_px": mean(equi), "keypoint_identity_motion_gap_px": mean(ident),
    }
    report["self_reconstruction_ratio"] = report["self_reconstruction_l1"] / report["self_reconstruction_copy_baseline_l1"]
    report["cross_identity_ratio"] = report["cross_identity_l1"] / report["cross_identity_copy_baseline_l1"]
    report["targets_met"] = {"self_reconstruction_ratio<=0.5": report["self_reconstruction_ratio"] <= 0.5,
                             "cross_identity_ratio<=0.6": report["cross_identity_ratio"] <= 0.6}
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="training time budget")
    parser.add_argument("--max-steps", type=int, default=None,
                        help="also stop after this many steps (to compare runs on a machine of unknown load)")
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    parser.add_argument("--videos", type=int, default=16, help="held-out videos evaluated")
    parser.add_argument("--frames", type=int, default=16, help="frames per held-out video")
    parser.add_argument("--out", type=Path, default=Path("runs/first-order-quality"))
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a value of the sprites config, e.g. model.generator_params.num_down_blocks=1")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    loaded = load_run_config(str(CONFIG), args.overrides)
    torch.manual_seed(loaded.train.seed)
    method = build_method(loaded)
    data = build_dataset(loaded)
    held_out = mk.create("dataset", loaded.run.eval_data.name, **loaded.run.eval_data.params)
    training = train(method, data, loaded, args.minutes, args.max_steps)
    training["cpu_seconds"] = round(time.process_time(), 1)
    report = {"config": str(CONFIG), "overrides": args.overrides, "threads": args.threads, "training": {k: v for k, v in training.items() if k != "history"},
              **evaluate(method, held_out, args.videos, args.frames)}
    args.out.mkdir(parents=True, exist_ok=True)
    mk.save_method(method, args.out / "sprites.safetensors")
    (args.out / "report.json").write_text(json.dumps({**report, "history": training["history"]}, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
