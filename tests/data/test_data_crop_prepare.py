"""Crop helpers and ``prepare``: tracking, square crops with padding, paste back, the dataset folder."""
import argparse
import json

import numpy as np
import pytest

from motionkit.data import VideoFolderDataset, crop_square, paste_back, square_box, track_boxes
from motionkit.data.crop import detect_and_track
from motionkit.errors import InputError
from motionkit.io import FrameFolderReader, write_video
from motionkit.prepare import add_arguments, prepare, run


def test_tracks_follow_overlapping_boxes_and_split_on_gaps():
    detections = [[(0, 0, 10, 10)], [(1, 1, 11, 11), (30, 30, 40, 40)], [(31, 30, 41, 40)], [], [(0, 0, 10, 10)]]
    tracks = track_boxes(detections)
    assert [(t.start, t.end) for t in tracks] == [(0, 2), (1, 3), (4, 5)]
    assert tracks[1].union() == (30, 30, 41, 40)
    assert [(t.start, t.end) for t in track_boxes(detections, min_length=2)] == [(0, 2), (1, 3)]
    with pytest.raises(InputError, match="frame 0: detector returned an empty box"):
        track_boxes([[(5, 5, 5, 9)]])


def test_square_crop_pads_instead_of_stretching():
    frame = np.zeros((40, 60, 3), np.uint8)
    frame[:, :30] = 200
    box = square_box((40, 10, 70, 20), scale=1.0)  # 30 wide, 10 high -> 30 x 30 square, past the right edge
    assert box == (40, 0, 70, 30)
    crop = crop_square(frame, box, 15, pad="constant")
    assert crop.shape == (15, 15, 3)
    assert (crop[:, -4:] == 0).all()  # padding where the box leaves the frame
    wide = crop_square(frame, square_box((10, 10, 50, 30)), 20)
    assert (wide[:, :9] == 200).all() and (wide[:, 11:] == 0).all()  # a centred vertical edge stays vertical
    with pytest.raises(InputError, match="square"):
        crop_square(frame, (0, 0, 10, 20), 8)


def test_paste_back_inverts_the_crop():
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    box = (30, 20, 60, 50)  # leaves the frame on the right and bottom
    crop = crop_square(frame, box, 30)
    restored = paste_back(np.zeros_like(frame), crop, box)
    assert np.array_equal(restored[20:40, 30:50], frame[20:40, 30:50])
    assert (restored[:20] == 0).all()
    blended = paste_back(frame, np.zeros((8, 8, 3), np.uint8), (10, 10, 20, 20), feather=3)
    assert blended[15, 15].max() == 0 and np.array_equal(blended[10, 10], (frame[10, 10].astype(float) * 2 / 3).round().astype(np.uint8))


def moving_square_video(path, frames=6, size=(48, 64)):
    video = []
    for t in range(frames):
        frame = np.full(size + (3,), 30, np.uint8)
        frame[10:26, 5 + 4 * t:21 + 4 * t] = 220
        video.append(frame)
    return write_video(path, video, fps=12.5, quality=0)


def bright_box_detector(frame):
    ys, xs = np.nonzero(frame[..., 0] > 128)
    return [(xs.min(), ys.min(), xs.max() + 1, ys.max() + 1, 1.0)] if len(xs) else []


def test_prepare_tracks_crops_and_writes_conditions(tmp_path):
    moving_square_video(tmp_path / "raw" / "clip.mp4")
    manifest = prepare([tmp_path / "raw"], tmp_path / "out", size=32, crop="track", detector=bright_box_detector,
                       scale=1.2, conditions=["canny"], show_progress=False)
    (sequence,) = manifest["sequences"]
    assert sequence["name"] == "clip_000" and sequence["frames"] == 6 and sequence["fps"] == pytest.approx(12.5)
    frames = FrameFolderReader(tmp_path / "out" / "train" / "clip_000")
    edges = FrameFolderReader(tmp_path / "out" / "train_canny" / "clip_000")
    assert (frames.width, frames.height, len(frames), len(edges)) == (32, 32, 6, 6)
    assert json.loads((tmp_path / "out" / "manifest.json").read_text())["crop"] == "track"
    dataset = VideoFolderDataset(root=tmp_path / "out")
    assert dataset[0]["source"].shape == (3, 32, 32)
    with pytest.raises(FileExistsError, match="clip_000"):
        prepare([tmp_path / "raw" / "clip.mp4"], tmp_path / "out", size=32, crop="track", detector=bright_box_detector,
                show_progress=False)


def test_prepare_cli_arguments_pad_mode(tmp_path, capsys):
    moving_square_video(tmp_path / "wide.mp4", frames=3)
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args([str(tmp_path / "wide.mp4"), "-o", str(tmp_path / "ds"), "--size", "16", "--quiet"])
    assert run(args) == 0 and "1 sequences, 3 frames" in capsys.readouterr().out
    first = next(iter(FrameFolderReader(tmp_path / "ds" / "train" / "wide")))
    assert first.shape == (16, 16, 3) and (first[:2] == 0).all()  # letterboxed, not stretched
    with pytest.raises(InputError, match="crop 'track' needs a detector"):
        prepare([tmp_path / "wide.mp4"], tmp_path / "ds2", crop="track", show_progress=False)
    with pytest.raises(FileNotFoundError, match="nothing.mp4"):
        prepare([tmp_path / "nothing.mp4"], tmp_path / "ds3", show_progress=False)
    assert not (tmp_path / "ds2").exists() or not any((tmp_path / "ds2").rglob("*.png"))


def test_detect_and_track_streams_frames():
    frames = (np.zeros((4, 4, 3), np.uint8) for _ in range(3))
    assert detect_and_track(frames, lambda frame: []) == []
