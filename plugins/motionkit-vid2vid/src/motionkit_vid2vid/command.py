"""``motionkit synthesize --method vid2vid``: a condition video or frame folder to a synthesised video."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Optional

from motionkit.commands import Command, add_common_inference_arguments
from motionkit.errors import ConfigError


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_inference_arguments(parser)
    parser.add_argument("--condition", required=True, help="condition video or folder of frames (label maps, real video, ...)")
    parser.add_argument("--instances", help="folder of instance-id maps matching a label-map condition")
    parser.add_argument("--mode", choices=("official", "eval"), default="official",
                        help="official: per-frame normalisation statistics as the official test script (default)")
    parser.add_argument("--fast", action="store_true", help="bfloat16 on CPU / float16 on CUDA")
    parser.add_argument("--size", type=int, nargs=2, metavar=("H", "W"), help="resize condition frames to H x W")
    parser.add_argument("--fps", type=float, help="output frame rate (default: the condition's)")
    parser.add_argument("--single-frame", help="official single-image generator file for the first frames "
                        "(label2city_single/latest_net_G_<size>.pth, edge2face_single/latest_net_G.pth)")
    parser.add_argument("--single-frame-kind", default="label2city_1024",
                        help="which official single-image generator (label2city_512/1024/2048, edge2face)")
    parser.add_argument("--single-frame-encoder", help="edge2face: the feature encoder latest_net_E.pth "
                        "(default: beside --single-frame)")
    parser.add_argument("--face-features", help="edge2face: the training features features.npy "
                        "(default: beside --single-frame)")
    parser.add_argument("--face-weights", help="folder with the face-alignment weight files, for an official "
                        "edge2face checkpoint (default: the torch hub cache)")


def _run(args: argparse.Namespace) -> Optional[int]:
    from .single_frame import load_first_frame_generator
    from .synthesizer import Vid2VidSynthesizer

    first = None
    if (args.single_frame_encoder or args.face_features) and not args.single_frame:
        raise ConfigError("--single-frame-encoder/--face-features go with --single-frame (edge2face_single/latest_net_G.pth)")
    if args.single_frame:
        first = load_first_frame_generator(args.single_frame_kind, args.single_frame,
                                           encoder=args.single_frame_encoder, features=args.face_features)
    synth = Vid2VidSynthesizer.load(
        args.checkpoint, args.config, mode=args.mode, device=args.device, fast=args.fast,
        size=tuple(args.size) if args.size else None, first_frame_generator=first,
        condition_params={"weights_dir": args.face_weights} if args.face_weights else None,
    )
    out = synth.synthesize(args.condition, args.out, instances=args.instances, fps=args.fps)
    print(f"wrote {Path(out)}")
    return 0


SYNTHESIZE = Command(
    verb="synthesize",
    method="vid2vid",
    help="synthesise a video from a condition video (label maps, edges, poses) with vid2vid",
    add_arguments=_add_arguments,
    run=_run,
)
