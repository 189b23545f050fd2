"""``motionkit animate --method first-order``: animate a source image by a driving video."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Optional

import motionkit as mk
from motionkit.checkpoint import is_motionkit_checkpoint
from motionkit.commands import add_common_inference_arguments
from motionkit.configfile import load_mapping

from .animator import Animator
from .best_frame import find_best_frame
from .method import FirstOrder


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_inference_arguments(parser)
    parser.add_argument("--source", required=True, help="source image")
    parser.add_argument("--driving", required=True, help="driving video (or frame folder)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--relative", dest="relative", action="store_true", default=True,
                      help="move the source keypoints by the driving motion relative to the reference frame (default)")
    mode.add_argument("--absolute", dest="relative", action="store_false",
                      help="use the driving keypoints as they are")
    parser.add_argument("--adapt-scale", action="store_true",
                        help="scale relative motion by the ratio of keypoint hull areas (source / reference)")
    parser.add_argument("--find-best-frame", action="store_true",
                        help="use the driving frame whose face pose best matches the source as the reference "
                             "(faces; needs face-alignment weights, see --landmark-weights)")
    parser.add_argument("--landmark-weights", type=Path, default=None,
                        help="folder with face-alignment's weight files (default: the torch hub checkpoints folder)")
    parser.add_argument("--precision", choices=("fp32", "bf16", "fp16"), default="fp32",
                        help="fp32 (exact), bf16 (CPUs with AMX/AVX512-BF16, GPUs) or fp16 (CUDA)")
    parser.add_argument("--size", type=int, default=None,
                        help="network resolution (default: the official config's frame_shape, else 256)")


def load_first_order(checkpoint: Path, config: Optional[Path]) -> FirstOrder:
    """A motionkit checkpoint (``.safetensors``), or an official ``*.pth.tar`` with its YAML ``config``."""
    if is_motionkit_checkpoint(checkpoint):
        return mk.load_method(checkpoint, expected_method=FirstOrder.name)
    return FirstOrder.from_official(checkpoint, config)


def _network_size(args: argparse.Namespace) -> int:
    if args.size is not None:
        return args.size
    if args.config:
        shape = load_mapping(args.config).get("dataset_params", {}).get("frame_shape")
        if isinstance(shape, list) and shape:
            return int(shape[0])
    return 256


def _run(args: argparse.Namespace) -> int:
    method = load_first_order(Path(args.checkpoint), Path(args.config) if args.config else None).to(args.device)
    animator = Animator(method, relative=args.relative, adapt_scale=args.adapt_scale, precision=args.precision,
                        size=_network_size(args))
    source = mk.io.frame_to_tensor(mk.io.read_image(args.source))
    driving = mk.io.open_video(args.driving)
    info = driving.info
    frames = (mk.io.frame_to_tensor(frame) for frame in driving)

    reference = None
    if args.find_best_frame:
        from motionkit.conditions.face_landmarks import FaceLandmarkEdges

        extractor = FaceLandmarkEdges(weights_dir=args.landmark_weights)
        index = find_best_frame(source, frames, lambda x: extractor.landmarks(x)[0])
        print(f"best frame: {index}")
        reference = mk.io.frame_to_tensor(driving.read([index])[0])
        frames = (mk.io.frame_to_tensor(frame) for frame in driving)

    audio = args.driving if info.has_audio and Path(args.out).suffix.lower() != ".gif" else None
    with mk.io.VideoWriter(args.out, fps=info.fps, audio_from=audio) as writer:
        for frame in animator.animate(source, frames, reference_frame=reference):
            writer.write(frame.cpu())
    print(f"wrote {args.out} ({writer.frames_written} frames at {info.fps:g} fps{', with audio' if audio else ''})")
    return 0


ANIMATE = mk.Command(
    verb="animate",
    method=FirstOrder.name,
    help="animate a source image by a driving video",
    add_arguments=_add_arguments,
    run=_run,
)
