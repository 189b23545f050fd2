"""Edge-to-video on a video you supply: vid2vid learns to turn Canny edges back into your footage.

    python examples/edges_to_video.py --video my_clip.mp4 [--quick] [--out examples-out/edges-to-video]

The first three quarters of the video train vid2vid with the built-in config ``vid2vid/edge2video``
(Canny edge condition, the core ``video-folder`` dataset, DIS flow for the flow loss), scaled down so it
runs on a CPU. The last quarter is held out: its edges are turned into video, starting from its first two
real frames, and compared with the real frames. Writes ``data/train.mp4`` (the training part),
``run/`` and ``edges_to_video.mp4`` (edges | synthesised | real).
"""
from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import torch
import torch.nn.functional as F

import motionkit as mk
from motionkit.io import frame_to_tensor, open_video, write_video
from motionkit.metrics import l1, psnr
from motionkit.training import train
from motionkit_vid2vid.pipeline import Vid2VidPipeline


def read_square_frames(path: Path, size: int, limit: int) -> torch.Tensor:
    """Up to ``limit`` frames of ``path``, centre-cropped to a square and resized: ``(T, 3, size, size)``."""
    frames = []
    for frame in open_video(path):
        image = frame_to_tensor(frame)
        height, width = image.shape[-2:]
        side = min(height, width)
        top, left = (height - side) // 2, (width - side) // 2
        square = image[:, top:top + side, left:left + side].unsqueeze(0)
        frames.append(F.interpolate(square, size=(size, size), mode="area")[0])
        if len(frames) == limit:
            break
    if len(frames) < 12:
        raise SystemExit(f"{path}: need at least 12 frames, got {len(frames)}")
    return torch.stack(frames)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", type=Path, required=True, help="your video (any format ffmpeg reads)")
    parser.add_argument("--quick", action="store_true", help="tiny size and a few steps (CI)")
    parser.add_argument("--out", type=Path, default=Path("examples-out/edges-to-video"))
    args = parser.parse_args()
    size, limit, steps = (64, 24, 3) if args.quick else (96, 240, 400)

    frames = read_square_frames(args.video, size, limit)
    split = len(frames) * 3 // 4
    fps = open_video(args.video).fps
    write_video(args.out / "data" / "train.mp4", frames[:split], fps=fps)
    shutil.rmtree(args.out / "run", ignore_errors=True)  # a re-run starts a fresh training run
    weights = train("vid2vid/edge2video", out=args.out / "run", show_progress=not args.quick, overrides=[
        f"data.params.root={args.out / 'data'}", "data.params.split=null", f"data.params.size=[{size}, {size}]",
        "data.params.num_frames=6", "data.params.repeats=64", "model.max_frames=6", "model.initial_frames=4",
        "model.generator.ngf=32", "model.generator.n_blocks=4", "model.generator.n_scales=1",
        "model.temporal_scales=1", f"train.steps={steps}", "train.batch_size=2", "train.tensorboard=false",
        f"train.checkpoint_every={steps}",
    ])
    method = mk.load_method(weights, expected_method="vid2vid")

    held_out = frames[split:]
    edges = method.condition.encode_frame(held_out)  # (T, 1, H, W) in [-1, 1]
    pipeline = Vid2VidPipeline(method.generator, mode="official")
    first = method.generator.config.n_frames - 1
    pipeline.reset(first_frames=held_out[None, :first])
    with torch.no_grad():  # the pipeline emits the given first frames, then one synthesised frame per edge map
        result = torch.stack([frame[0] for edge in edges for frame in pipeline.push(edge[None])])
    shown_edges = ((edges + 1) / 2).expand(-1, 3, -1, -1)
    path = write_video(args.out / "edges_to_video.mp4", torch.cat([shown_edges, result, held_out], dim=-1), fps=fps)
    print(f"wrote {path}: edges | synthesised | real ({len(held_out)} held-out frames)")
    scored, real = result[first:], held_out[first:]
    print(f"held-out frames: L1 {float(l1(scored, real)):.4f}, PSNR {float(psnr(scored, real)):.2f} dB")


if __name__ == "__main__":
    main()
