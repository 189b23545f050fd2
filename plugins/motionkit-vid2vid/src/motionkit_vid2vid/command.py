"""``motionkit synthesize --method vid2vid``: a condition video, frame folder or set of condition folders to a
synthesised video."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Sequence, Union

from motionkit.commands import Command, add_common_inference_arguments
from motionkit.errors import ConfigError

if TYPE_CHECKING:
    from motionkit.data import ConditionFolder

#: ``--condition KIND:FOLDER`` kinds (:class:`motionkit.data.ConditionFolder`)
FOLDER_KINDS = ("image", "densepose", "openpose")


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_inference_arguments(parser)
    parser.add_argument("--condition", required=True, nargs="+", metavar="[KIND:]PATH",
                        help="condition video or folder of frames (label maps, real video, ...); for a model whose "
                        "condition comes from several folders, one KIND:FOLDER per folder in the model's channel "
                        "order (KIND: image, densepose, openpose), e.g. densepose:dp/ openpose:op/")
    parser.add_argument("--instances", help="folder of instance-id maps matching a label-map condition")
    parser.add_argument("--mode", choices=("official", "eval"), default="official",
                        help="official: per-frame normalisation statistics as the official test script (default)")
    parser.add_argument("--fast", action="store_true", help="bfloat16 on CPU / float16 on CUDA")
    parser.add_argument("--size", type=int, nargs=2, metavar=("H", "W"), help="resize condition frames to H x W")
    parser.add_argument("--center-crop", type=int, nargs=2, metavar=("H", "W"),
                        help="condition folders: keep the central H x W after resizing (pose2body: 256 192)")
    parser.add_argument("--source-size", type=int, nargs=2, metavar=("H", "W"),
                        help="condition folders: size of the frames the OpenPose keypoints come from (default: "
                        "the size of the other folders' images)")
    parser.add_argument("--fps", type=float, help="output frame rate (default: the condition video's; 25 for "
                        "frame folders and condition folders)")
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


def condition_source(values: Sequence[str]) -> Union[str, list[ConditionFolder]]:
    """``--condition`` values -> one video or frame folder, or the condition folders of ``KIND:FOLDER`` values
    (a value without a kind is an ``image`` folder)."""
    from motionkit.data import ConditionFolder

    folders = []
    for value in values:
        kind, colon, folder = value.partition(":")
        if colon and kind in FOLDER_KINDS and folder:
            folders.append(ConditionFolder(dir=folder, kind=kind))
        else:
            folders.append(ConditionFolder(dir=value))
    if len(values) == 1 and folders[0].dir == values[0]:
        return values[0]
    return folders


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
        center_crop=tuple(args.center_crop) if args.center_crop else None,
        condition_params={"weights_dir": args.face_weights} if args.face_weights else None,
    )
    out = synth.synthesize(condition_source(args.condition), args.out, instances=args.instances, fps=args.fps,
                           source_size=tuple(args.source_size) if args.source_size else None)
    print(f"wrote {Path(out)}")
    return 0


SYNTHESIZE = Command(
    verb="synthesize",
    method="vid2vid",
    help="synthesise a video from a condition video (label maps, edges, poses) or condition folders with vid2vid",
    add_arguments=_add_arguments,
    run=_run,
)
