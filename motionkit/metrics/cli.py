"""``motionkit evaluate``: metrics between generated and reference videos, written to JSON.

``--generated`` and ``--reference`` are each a video file, a folder of frames, or a folder of those
(videos are then paired by name). Non-finite values (PSNR of identical frames) are written as the
strings ``"inf"``/``"nan"``. Every number in the JSON carries its protocol: resolution, frame format,
aggregation, and the networks used (weights file name and SHA-256, flow estimator, keypoint detector).
"""
from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any, Iterator, Optional

import torch
import torch.nn.functional as F

from ..checkpoint import atomic_write
from ..configfile import apply_overrides
from ..errors import InputError
from .evaluate import METRICS, EvaluationSettings, evaluate_pairs

VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".gif")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``motionkit evaluate``."""
    parser.add_argument("--generated", required=True, type=Path, help="generated video, frame folder, or folder of them")
    parser.add_argument("--reference", required=True, type=Path, help="reference video(s), same layout as --generated")
    parser.add_argument("--metrics", default="l1,psnr,ssim", help=f"comma-separated, from: {', '.join(METRICS)}")
    parser.add_argument("--out", type=Path, help="results JSON file (default: print only)")
    parser.add_argument("--resolution", help="resize every frame to HxW (e.g. 256x256) before measuring")
    parser.add_argument("--max-frames", type=int, help="use at most the first N frames of each video")
    parser.add_argument("--lpips-backbone", type=Path, help="alexnet-owt-7be5be79.pth (torchvision AlexNet weights)")
    parser.add_argument("--lpips-linear", type=Path, help="LPIPS v0.1 alex.pth (default: the copy shipped with torchmetrics)")
    parser.add_argument("--fid-weights", type=Path, help="inception-2015-12-05.pt (TorchScript FID Inception)")
    parser.add_argument("--fvd-weights", type=Path, help="i3d_torchscript.pt (TorchScript FVD I3D)")
    parser.add_argument("--fvd-clip-length", type=int, default=16, help="frames per FVD clip (default 16)")
    parser.add_argument("--flow", help="registered flow estimator for the warping error, e.g. dis")
    parser.add_argument("--flow-on", choices=("reference", "generated"), default="reference",
                        help="estimate the warping-error flow on these frames (default reference)")
    parser.add_argument("--keypoints", help="keypoint detector for AKD/MKR as KIND:NAME of a registered component")
    parser.add_argument("--keypoints-set", action="append", default=[], metavar="KEY=VALUE",
                        help="a parameter of the keypoint detector (repeatable)")
    parser.add_argument("--keypoint-threshold", type=float, default=0.0, help="confidence above which a keypoint counts")
    parser.add_argument("--device", default="cpu", help="device for the networks (cpu, cuda, ...)")


def _parse_resolution(text: Optional[str]) -> Optional[tuple[int, int]]:
    if not text:
        return None
    try:
        h, w = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise InputError(f"--resolution {text!r}: expected HxW, e.g. 256x256") from None
    if h <= 0 or w <= 0:
        raise InputError(f"--resolution {text!r}: sizes must be positive")
    return h, w


def _is_frame_folder(path: Path) -> bool:
    from ..io import IMAGE_SUFFIXES

    return path.is_dir() and any(p.suffix.lower() in IMAGE_SUFFIXES for p in path.iterdir())


def collect_videos(path: Path, option: str) -> dict[str, Path]:
    """Videos named by stem: ``path`` itself (a video file or a frame folder) or the ones inside it."""
    if not path.exists():
        raise InputError(f"{option} {path}: not found")
    if path.is_file() or _is_frame_folder(path):
        return {path.stem: path}
    found = {p.stem: p for p in sorted(path.iterdir()) if (p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES) or _is_frame_folder(p)}
    if not found:
        raise InputError(f"{option} {path}: holds no video files ({', '.join(VIDEO_SUFFIXES)}) or frame folders")
    return found


def read_video(path: Path, resolution: Optional[tuple[int, int]], max_frames: Optional[int]) -> torch.Tensor:
    """Frames ``(T, 3, H, W)`` in [0, 1], optionally cut to ``max_frames`` and resized to ``resolution``."""
    from ..io import frames_to_tensor, open_video

    source = open_video(path)
    frames = []
    for frame in source:
        frames.append(frame)
        if max_frames is not None and len(frames) >= max_frames:
            break
    video = frames_to_tensor(frames)
    if resolution is not None and tuple(video.shape[-2:]) != resolution:
        video = F.interpolate(video, size=resolution, mode="bilinear", align_corners=False, antialias=True).clamp(0, 1)
    return video


def _pairs(generated: dict[str, Path], reference: dict[str, Path], resolution, max_frames) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    single = len(generated) == len(reference) == 1
    names = list(zip(generated, reference)) if single else [(n, n) for n in sorted(generated)]
    for gen_name, ref_name in names:
        gen = read_video(generated[gen_name], resolution, max_frames)
        ref = read_video(reference[ref_name], resolution, max_frames)
        if gen.shape != ref.shape:
            raise InputError(
                f"{generated[gen_name]} {tuple(gen.shape)} and {reference[ref_name]} {tuple(ref.shape)} differ in frame "
                "count or size; use --max-frames and --resolution to compare them"
            )
        yield gen, ref


def _build_detector(spec: str, overrides: list[str]):
    from ..plugins import create

    if ":" not in spec:
        raise InputError(f"--keypoints {spec!r}: expected KIND:NAME, e.g. representation:my-detector")
    kind, name = spec.split(":", 1)
    detector = create(kind, name, **apply_overrides({}, overrides))
    return detector.eval() if isinstance(detector, torch.nn.Module) else detector


def _json_safe(value: Any) -> Any:
    """Non-finite floats as the strings ``"inf"``, ``"-inf"``, ``"nan"`` (strict JSON has no such numbers)."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def run(args: argparse.Namespace) -> int:
    """Run ``motionkit evaluate``: compute, print a summary and write the JSON."""
    from ..plugins import create

    generated = collect_videos(args.generated, "--generated")
    reference = collect_videos(args.reference, "--reference")
    if not (len(generated) == len(reference) == 1) and set(generated) != set(reference):
        missing = sorted(set(reference) - set(generated))
        extra = sorted(set(generated) - set(reference))
        raise InputError(f"--generated and --reference videos do not pair by name (missing: {missing}, unmatched: {extra})")
    resolution = _parse_resolution(args.resolution)
    metrics = tuple(m.strip() for m in args.metrics.split(",") if m.strip())
    settings = EvaluationSettings(
        metrics=metrics,
        lpips_backbone=args.lpips_backbone,
        lpips_linear=args.lpips_linear,
        fid_weights=args.fid_weights,
        fvd_weights=args.fvd_weights,
        fvd_clip_length=args.fvd_clip_length,
        flow_on=args.flow_on,
        keypoint_threshold=args.keypoint_threshold,
        device=args.device,
        extra_protocol={"resized_to": list(resolution) if resolution else None, "max_frames": args.max_frames},
    )
    if args.flow:
        settings.flow_estimator, settings.flow_name = create("flow", args.flow).to(args.device).eval(), args.flow
    if args.keypoints:
        settings.keypoint_detector = _build_detector(args.keypoints, args.keypoints_set)
        settings.keypoint_name = args.keypoints
    settings.check()
    results = evaluate_pairs(_pairs(generated, reference, resolution, args.max_frames), settings)
    results["generated"], results["reference"] = str(args.generated), str(args.reference)
    for name, entry in results["metrics"].items():
        print(f"{name:<8} {entry['value']:.6g} {entry['unit']}")
    if args.out:
        text = json.dumps(_json_safe(results), indent=2, ensure_ascii=False, allow_nan=False)
        atomic_write(args.out, lambda tmp: tmp.write_text(text + "\n", encoding="utf-8"))
        print(f"wrote {args.out}")
    return 0
