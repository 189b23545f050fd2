"""``motionkit animate --method affine``: animate an image with a trained checkpoint."""
from __future__ import annotations

import argparse

import torch

import motionkit as mk
from motionkit.commands import add_common_inference_arguments


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_inference_arguments(parser, official_config=False)
    parser.add_argument("--source", required=True, help="source image")
    parser.add_argument("--driving", required=True, help="driving video or frame folder")


@torch.no_grad()
def _run(args: argparse.Namespace) -> int:
    method = mk.load_method(args.checkpoint, expected_method="affine", device=args.device).eval()
    source = mk.io.frame_to_tensor(mk.io.read_image(args.source))[None].to(args.device)
    driving = mk.io.open_video(args.driving)
    height, width = source.shape[-2:]
    with mk.io.VideoWriter(args.out, fps=driving.info.fps) as writer:
        for frame in driving:  # one frame at a time: memory does not grow with the video
            frame = mk.io.frame_to_tensor(frame)[None].to(args.device)
            frame = torch.nn.functional.interpolate(frame, size=(height, width), mode="bilinear", align_corners=False)
            writer.write(method.animate(source, frame)["prediction"][0])
    print(f"wrote {args.out}")
    return 0


ANIMATE = mk.Command(
    verb="animate",
    method="affine",
    help="animate a source image by a driving video",
    add_arguments=_add_arguments,
    run=_run,
)
