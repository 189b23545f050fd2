"""``motionkit prepare``: turn raw videos into a dataset folder (crop, resize, extract conditions).

Output layout (read by the ``video-folder`` and ``paired-sequences`` datasets)::

    <output>/<split>/<name>/000000.png ...              frames, square, size x size
    <output>/<split>_<condition>/<name>/000000.png ...  one folder per condition, same file names
    <output>/manifest.json                              source, fps, crop box and frame count per sequence

Crops: ``pad`` (whole frame padded to a square), ``center`` (central square) or ``track`` (a detector finds
objects, detections are linked into tracks, and each track becomes one sequence cropped by the union of its
boxes, enlarged by ``scale``, padded where it leaves the frame). Frames are streamed: memory does not grow
with video length. Each sequence folder appears only once it is complete.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Optional, Sequence, Union

import imageio.v3 as iio
import numpy as np
import torch
from tqdm import tqdm

from .data.crop import Detector, Track, crop_square, detect_and_track, square_box
from .errors import InputError
from .io import VIDEO_SUFFIXES, atomic_file, atomic_folder, frame_to_tensor, open_video, tensor_to_frame

CROP_MODES = ("pad", "center", "track")
CONDITIONS = ("canny", "face-landmarks")


@dataclass
class PlannedSequence:
    """One output sequence: its name, source, crop box (``None``: whole frame padded) and frame range."""

    name: str
    source: Path
    box: Optional[tuple[int, int, int, int]]
    start: int
    end: Optional[int]


def find_videos(inputs: Sequence[Union[str, os.PathLike]]) -> list[Path]:
    """Expand the inputs: video files and frame folders are taken as they are; a folder holding videos or
    frame folders (and no images itself) is replaced by its entries."""
    videos: list[Path] = []
    for raw in inputs:
        path = Path(raw)
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such video or folder")
        if path.is_dir() and not any(p.suffix.lower() in (".png", ".jpg", ".jpeg", ".bmp") for p in path.iterdir()):
            entries = sorted(p for p in path.iterdir() if not p.name.startswith(".")
                             and (p.is_dir() or p.suffix.lower() in VIDEO_SUFFIXES))
            if not entries:
                raise InputError(f"{path}: folder holds no videos or frame folders")
            videos += entries
        else:
            videos.append(path)
    return videos


def _plan(video: Path, crop: str, detector: Optional[Detector], scale: float, min_frames: int,
          progress: tqdm) -> list[PlannedSequence]:
    source = open_video(video)
    if crop == "pad":
        return [PlannedSequence(video.stem, video, None, 0, None)]
    if crop == "center":
        side = min(source.width, source.height)
        left, top = (source.width - side) // 2, (source.height - side) // 2
        return [PlannedSequence(video.stem, video, (left, top, left + side, top + side), 0, None)]
    if detector is None:
        raise InputError("crop 'track' needs a detector")

    def frames() -> Iterator[np.ndarray]:
        for frame in source:
            progress.update(1)
            yield frame

    tracks: list[Track] = detect_and_track(frames(), detector, min_length=min_frames)
    return [PlannedSequence(f"{video.stem}_{k:03d}", video, square_box(track.union(), scale), track.start, track.end)
            for k, track in enumerate(tracks)]


def _pad_square(frame: np.ndarray) -> tuple[int, int, int, int]:
    height, width = frame.shape[:2]
    side = max(height, width)
    left, top = (width - side) // 2, (height - side) // 2
    return left, top, left + side, top + side


def prepare(
    inputs: Sequence[Union[str, os.PathLike]],
    output: Union[str, os.PathLike],
    *,
    split: str = "train",
    size: int = 256,
    crop: str = "pad",
    detector: Optional[Detector] = None,
    scale: float = 1.5,
    min_frames: int = 2,
    conditions: Sequence[str] = (),
    condition_extractors: Optional[dict[str, Callable[[torch.Tensor], torch.Tensor]]] = None,
    show_progress: bool = True,
) -> dict:
    """Write the dataset folder (layout in the module docstring) and return the manifest.

    inputs: video files, GIFs, frame folders or folders of those; split: output subfolder; size: side of
    the square output frames; crop: ``pad`` / ``center`` / ``track`` (needs ``detector``, a callable
    ``frame (H, W, 3) uint8 -> boxes``); scale: box enlargement for ``track``; min_frames: shortest track
    kept; conditions: names of condition folders to write; condition_extractors: ``name -> callable``
    mapping ``(1, 3, size, size)`` frames in [0, 1] to ``(1, C, size, size)`` maps (C = 1 or 3) for each
    name (``canny`` is built in when not given). Existing sequence folders are an error (nothing is
    overwritten).
    """
    if crop not in CROP_MODES:
        raise InputError(f"crop must be one of {', '.join(CROP_MODES)}, got {crop!r}")
    if size < 8:
        raise InputError(f"size must be at least 8 pixels, got {size}")
    extractors = dict(condition_extractors or {})
    for name in conditions:
        if name not in extractors:
            if name != "canny":
                raise InputError(f"condition {name!r} needs an extractor (built in: canny)")
            from .conditions import CannyEdges

            extractors[name] = CannyEdges()
    output = Path(output)
    videos = find_videos(inputs)
    manifest = {"split": split, "size": size, "crop": crop, "conditions": list(conditions), "sequences": []}
    with tqdm(desc="prepare", unit="frame", disable=not show_progress) as progress:
        for video in videos:
            source = open_video(video)
            for sequence in _plan(video, crop, detector, scale, min_frames, progress):
                count = _write_sequence(sequence, output, split, size, conditions, extractors, progress)
                manifest["sequences"].append({
                    "name": sequence.name, "source": str(video), "fps": source.fps, "frames": count,
                    "start": sequence.start, "box": list(sequence.box) if sequence.box else None,
                })
    if not manifest["sequences"]:
        raise InputError(f"prepare: no sequences were found in {', '.join(str(v) for v in videos)}")
    with atomic_file(output / "manifest.json") as temp:
        temp.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return manifest


def _write_sequence(sequence: PlannedSequence, output: Path, split: str, size: int, conditions: Sequence[str],
                    extractors: dict, progress: tqdm) -> int:
    folders = {"frames": output / split / sequence.name}
    folders.update({name: output / f"{split}_{name}" / sequence.name for name in conditions})
    count = 0
    with contextlib.ExitStack() as stack:
        temps = {role: stack.enter_context(atomic_folder(folder)) for role, folder in folders.items()}
        for index, frame in enumerate(open_video(sequence.source)):
            if index < sequence.start:
                continue
            if sequence.end is not None and index >= sequence.end:
                break
            box = sequence.box if sequence.box is not None else _pad_square(frame)
            square = crop_square(frame, box, size, pad="edge" if sequence.box is not None else "constant")
            file_name = f"{count:06d}.png"
            iio.imwrite(temps["frames"] / file_name, square)
            if conditions:
                tensor = frame_to_tensor(square)[None]
                with torch.no_grad():
                    for name in conditions:
                        iio.imwrite(temps[name] / file_name, tensor_to_frame(extractors[name](tensor)[0]))
            count += 1
            progress.update(1)
        if count == 0:
            raise InputError(f"{sequence.source}: no frames in range {sequence.start}..{sequence.end}")
    return count


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``motionkit prepare``."""
    parser.add_argument("inputs", nargs="+", type=Path, help="videos, GIFs, frame folders, or folders of those")
    parser.add_argument("--output", "-o", type=Path, required=True, help="dataset folder to write")
    parser.add_argument("--split", default="train", help="subfolder for the sequences (train/test)")
    parser.add_argument("--size", type=int, default=256, help="side of the square output frames in pixels")
    parser.add_argument("--crop", choices=CROP_MODES, default="pad",
                        help="pad: whole frame padded to a square; center: central square; track: follow faces")
    parser.add_argument("--scale", type=float, default=1.5, help="enlargement of tracked boxes (--crop track)")
    parser.add_argument("--min-frames", type=int, default=2, help="shortest track kept (--crop track)")
    parser.add_argument("--face-weights", type=Path, default=None,
                        help="folder with face-alignment weights (default: the torch hub cache); used by "
                             "--crop track and the face-landmarks condition")
    parser.add_argument("--condition", action="append", default=[], choices=CONDITIONS, dest="conditions",
                        help="also write this condition for every frame (repeatable)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    """Run ``motionkit prepare`` with parsed ``args``; returns the exit status."""
    detector = None
    extractors: dict = {}
    if args.crop == "track":
        from .conditions.face_landmarks import S3FDFaceDetector

        detector = S3FDFaceDetector(args.face_weights)
    if "face-landmarks" in args.conditions:
        from .conditions import FaceLandmarkEdges

        extractors["face-landmarks"] = FaceLandmarkEdges(weights_dir=args.face_weights, detector="none")
    manifest = prepare(args.inputs, args.output, split=args.split, size=args.size, crop=args.crop, detector=detector,
                       scale=args.scale, min_frames=args.min_frames, conditions=args.conditions,
                       condition_extractors=extractors, show_progress=not args.quiet)
    frames = sum(s["frames"] for s in manifest["sequences"])
    print(f"wrote {len(manifest['sequences'])} sequences, {frames} frames to {args.output}")
    return 0
