import numpy as np
import pytest
import torch

from motionkit.errors import InputError
from motionkit.io import VideoReader, VideoWriter, frames_to_tensor, open_video, write_video
from motionkit.io.ffmpeg import probe


def gradient_frames(count: int, height: int, width: int) -> np.ndarray:
    """Smooth frames (compress well) that differ per frame."""
    y, x = np.mgrid[0:height, 0:width]
    frames = [np.stack([(x * 4 + t * 10) % 256, (y * 4) % 256, np.full_like(x, 128 + t)], -1) for t in range(count)]
    return np.asarray(frames, np.uint8)


@pytest.mark.parametrize("fps", [12.5, 30000 / 1001])
def test_mp4_round_trip_keeps_fps_size_and_pixels(tmp_path, fps):
    frames = gradient_frames(7, 32, 48)
    path = write_video(tmp_path / "clip.mp4", frames, fps=fps, quality=0)
    reader = VideoReader(path)
    assert (reader.width, reader.height, len(reader)) == (48, 32, 7)
    assert reader.fps == pytest.approx(fps, rel=1e-3)
    decoded = np.stack(list(reader))
    assert np.abs(decoded.astype(int) - frames).mean() < 3.0  # yuv420p chroma subsampling only


def test_odd_size_is_padded_and_tensor_frames_accepted(tmp_path):
    video = torch.rand(3, 3, 15, 21)
    path = write_video(tmp_path / "odd.mp4", video, fps=5)
    reader = VideoReader(path)
    assert (reader.width, reader.height) == (22, 16)
    decoded = frames_to_tensor(list(reader))
    assert decoded.shape == (3, 3, 16, 22)


def test_gif_round_trip_keeps_fps(tmp_path):
    frames = gradient_frames(4, 16, 20)
    path = write_video(tmp_path / "anim.gif", frames, fps=10)
    reader = open_video(path)
    assert reader.fps == pytest.approx(10, rel=1e-3)
    assert len(reader) == 4 and (reader.width, reader.height) == (20, 16)
    assert np.abs(np.stack(list(reader)).astype(int) - frames).mean() < 12.0  # 256-colour palette


def test_read_selected_indices_only(long_video):
    reader = VideoReader(long_video)
    every = list(reader)
    picked = reader.read([7, 2, 7])
    assert [np.array_equal(a, every[i]) for a, i in zip(picked, [7, 2, 7])] == [True] * 3
    with pytest.raises(IndexError, match="long.mp4"):
        reader.read([50])


def test_exception_in_writer_leaves_nothing(tmp_path):
    target = tmp_path / "never.mp4"
    with pytest.raises(RuntimeError, match="boom"):
        with VideoWriter(target, fps=10) as writer:
            writer.write(gradient_frames(1, 16, 16)[0])
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_writer_rejects_size_change_and_leaves_nothing(tmp_path):
    target = tmp_path / "bad.mp4"
    with pytest.raises(InputError, match="frame 1 is 8x8"):
        with VideoWriter(target, fps=10) as writer:
            writer.write(np.zeros((16, 16, 3), np.uint8))
            writer.write(np.zeros((8, 8, 3), np.uint8))
    assert list(tmp_path.iterdir()) == []


def test_writer_bad_arguments(tmp_path):
    with pytest.raises(InputError, match="suffix"):
        VideoWriter(tmp_path / "x.webm", fps=10)
    with pytest.raises(InputError, match="fps"):
        VideoWriter(tmp_path / "x.mp4", fps=0)
    with pytest.raises(InputError, match="no frames"):
        write_video(tmp_path / "empty.mp4", [], fps=10)
    with pytest.raises(InputError, match="GIF"):
        VideoWriter(tmp_path / "x.gif", fps=10, audio_from=tmp_path / "a.mp4")
    assert list(tmp_path.iterdir()) == []


def test_muxed_output_has_audio(tmp_path, video_with_audio):
    frames = gradient_frames(20, 32, 32)
    out = write_video(tmp_path / "dubbed.mp4", frames, fps=10, audio_from=video_with_audio)
    info = probe(out)
    assert info.has_audio and (info.width, info.height) == (32, 32)
    assert len(VideoReader(out)) == 20
    assert not probe(write_video(tmp_path / "silent.mp4", frames, fps=10)).has_audio


def test_mux_from_silent_source_is_an_error(tmp_path, long_video):
    with pytest.raises(InputError, match="long.mp4: has no audio"):
        write_video(tmp_path / "out.mp4", gradient_frames(2, 16, 16), fps=10, audio_from=long_video)
    assert list(tmp_path.iterdir()) == []


def test_seeking_read_matches_sequential_decode(tmp_path, make_media):
    """Far frames are read by seeking; every index must give the same frame as decoding from the start."""
    path = make_media(tmp_path / "gop.mp4", "-f", "lavfi", "-i", "testsrc=size=32x24:rate=10", "-t", "6",
                      "-c:v", "libx264", "-g", "7", "-bf", "2", "-pix_fmt", "yuv420p")
    reader = VideoReader(path)
    every = list(reader)
    assert len(every) == 60
    for index in (20, 21, 34, 59):
        assert np.array_equal(reader.read([index])[0], every[index]), index
    pair = reader.read([45, 33])
    assert np.array_equal(pair[0], every[45]) and np.array_equal(pair[1], every[33])
    with pytest.raises(IndexError, match="gop.mp4: frame 60 requested"):
        reader.read([60])


def test_writer_accepts_gray_and_rgba_frames(tmp_path):
    gray = np.full((8, 8), 200, np.uint8)
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., 1] = 255
    frames = list(VideoReader(write_video(tmp_path / "mixed.mp4", [gray, rgba], fps=5, quality=0)))
    assert np.abs(frames[0].astype(int) - 200).max() <= 2
    assert frames[1][..., 1].min() > 240 and frames[1][..., 0].max() < 15
    with pytest.raises(InputError, match="channels"):
        write_video(tmp_path / "bad.mp4", [np.zeros((8, 8, 5), np.uint8)], fps=5)


@pytest.mark.parametrize("audio_seconds", [0.48, 0.3])
def test_muxing_keeps_every_frame_when_audio_is_not_longer(tmp_path, make_media, audio_seconds):
    """Audio as long as, or shorter than, the video must not cut the last frames (ffmpeg's -shortest does)."""
    audio = make_media(tmp_path / "a.m4a", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=8000",
                       "-t", str(audio_seconds))
    out = write_video(tmp_path / "dubbed.mp4", gradient_frames(6, 40, 24), fps=12.5, audio_from=audio)
    assert probe(out).has_audio
    assert len(VideoReader(out)) == 6
