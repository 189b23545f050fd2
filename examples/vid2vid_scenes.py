"""Train vid2vid on the built-in `scenes` data, then turn an unseen label-map sequence into video.

    python examples/vid2vid_scenes.py [--quick] [--out examples-out/vid2vid]

Steps: train with the built-in config ``vid2vid/scenes`` (the same as ``motionkit train vid2vid/scenes``),
reload the final weights and run the streaming synthesis pipeline on an unseen street's label and instance
maps, starting from its first real frames (the official ``--use_real_img`` start). Writes ``run/``
(checkpoints, scalars) and ``synthesis.mp4`` (labels | synthesised | real), and prints L1 and PSNR against
the real frames.
"""
from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import torch

import motionkit as mk
from motionkit.data import ScenesDataset
from motionkit.demo.visuals import labels_to_rgb
from motionkit.io import write_video
from motionkit.metrics import l1, psnr
from motionkit.training import train
from motionkit_vid2vid.pipeline import Vid2VidPipeline

QUICK = ["train.steps=2", "train.batch_size=1", "train.tensorboard=false", "data.params.length=4"]
NORMAL = ["train.steps=400", "train.tensorboard=false"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few steps only (CI)")
    parser.add_argument("--out", type=Path, default=Path("examples-out/vid2vid"))
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()

    shutil.rmtree(args.out / "run", ignore_errors=True)  # a re-run starts a fresh training run
    weights = train("vid2vid/scenes", overrides=QUICK if args.quick else NORMAL, out=args.out / "run",
                    device=args.device, show_progress=not args.quick)
    method = mk.load_method(weights, expected_method="vid2vid", device=args.device)

    clip = ScenesDataset(height=64, width=64, num_frames=16, length=1, seed=7)[0]  # an unseen street
    conditions = method.condition({k: v[None].to(args.device) for k, v in clip.items()})[0]  # (T, C, H, W)
    pipeline = Vid2VidPipeline(method.generator, mode="official")
    first = method.generator.config.n_frames - 1
    pipeline.reset(first_frames=clip["frames"][None, :first].to(args.device))
    with torch.no_grad():  # the pipeline emits the given first frames, then one frame per condition frame
        result = torch.stack([frame[0] for c in conditions for frame in pipeline.push(c[None])]).cpu()

    labels = labels_to_rgb(clip["labels"], method.config.condition.num_classes)
    path = write_video(args.out / "synthesis.mp4", torch.cat([labels, result, clip["frames"]], dim=-1), fps=8)
    print(f"wrote {path}: labels | synthesised | real")
    scored, real = result[first:], clip["frames"][first:]
    print(f"synthesised frames: L1 {float(l1(scored, real)):.4f}, PSNR {float(psnr(scored, real)):.2f} dB")


if __name__ == "__main__":
    main()
