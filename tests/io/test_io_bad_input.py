"""Every unusable input gives an error naming the file."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from motionkit.errors import InputError
from motionkit.io import (
    FrameFolderReader,
    VideoReader,
    as_rgb_uint8,
    open_video,
    read_image,
    read_label_image,
    write_image,
)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothere.mp4"):
        VideoReader(tmp_path / "nothere.mp4")
    with pytest.raises(FileNotFoundError, match="nothere.png"):
        read_image(tmp_path / "nothere.png")
    with pytest.raises(FileNotFoundError, match="nofolder"):
        FrameFolderReader(tmp_path / "nofolder")


def test_empty_and_garbage_files(tmp_path):
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(InputError, match="empty.mp4: file is empty"):
        VideoReader(tmp_path / "empty.mp4")
    (tmp_path / "text.mp4").write_text("not a video at all\n")
    with pytest.raises(InputError, match="text.mp4: not a readable video"):
        VideoReader(tmp_path / "text.mp4")
    (tmp_path / "text.png").write_text("not an image")
    with pytest.raises(InputError, match="text.png: not a readable image"):
        read_image(tmp_path / "text.png")


def test_header_only_truncation(tmp_path, long_video):
    cut = tmp_path / "cut_header.mp4"
    cut.write_bytes(long_video.read_bytes()[:600])
    with pytest.raises(InputError, match="cut_header.mp4"):
        list(VideoReader(cut))


def test_truncated_stream_raises_after_decodable_frames(tmp_path, long_video):
    data = long_video.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.8)])
    frames = []
    with pytest.raises(InputError, match="cut.mp4: video is corrupt or truncated"):
        for frame in VideoReader(cut):
            frames.append(frame)
    assert 0 < len(frames) < 50


def test_zero_frame_and_audio_only_files(tmp_path, make_media):
    zero = make_media(tmp_path / "zero.mp4", "-f", "lavfi", "-i", "testsrc=size=32x32:rate=10",
                      "-frames:v", "0", "-c:v", "libx264")
    with pytest.raises(InputError, match="zero.mp4: file has no video stream"):
        VideoReader(zero)
    audio = make_media(tmp_path / "audio.m4a", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=8000", "-t", "0.5")
    with pytest.raises(InputError, match="audio.m4a: file has no video stream"):
        VideoReader(audio)


def test_gray_and_rgba_images_are_converted(tmp_path):
    gray = np.arange(12 * 10, dtype=np.uint8).reshape(12, 10)
    rgba = np.random.default_rng(0).integers(0, 256, (12, 10, 4), dtype=np.uint8)
    import imageio.v3 as iio

    iio.imwrite(tmp_path / "gray.png", gray)
    iio.imwrite(tmp_path / "rgba.png", rgba)
    assert np.array_equal(read_image(tmp_path / "gray.png"), np.repeat(gray[:, :, None], 3, 2))
    assert np.array_equal(read_image(tmp_path / "rgba.png"), rgba[:, :, :3])


def test_gray_video_is_read_as_rgb(tmp_path, make_media):
    gray = make_media(tmp_path / "gray.mkv", "-f", "lavfi", "-i", "testsrc=size=32x24:rate=5", "-t", "1",
                      "-pix_fmt", "gray", "-c:v", "ffv1")
    frames = list(VideoReader(gray))
    assert len(frames) == 5 and frames[0].shape == (24, 32, 3)
    assert np.array_equal(frames[0][..., 0], frames[0][..., 2])


def test_bad_arrays_are_rejected():
    with pytest.raises(InputError, match="expected uint8"):
        as_rgb_uint8(np.zeros((4, 4, 3), np.float32), "x")
    with pytest.raises(InputError, match="channels, got 5"):
        as_rgb_uint8(np.zeros((4, 4, 5), np.uint8), "x")
    with pytest.raises(InputError, match="shape"):
        as_rgb_uint8(np.zeros((4,), np.uint8), "x")


def test_frame_folder_mismatched_sizes_and_empty(tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    with pytest.raises(InputError, match="no frame images"):
        FrameFolderReader(folder)
    write_image(folder / "frame1.png", np.zeros((8, 8, 3), np.uint8))
    write_image(folder / "frame2.png", np.zeros((8, 6, 3), np.uint8))
    reader = open_video(folder)
    with pytest.raises(InputError, match="frame2.png: frame is 6x8"):
        list(reader)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(min_size=1, max_size=2048))
def test_fuzz_random_bytes_give_input_errors(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("fuzz")
    for name in ("blob.mp4", "blob.png"):
        (folder / name).write_bytes(data)
    with pytest.raises(InputError, match="blob.mp4"):
        list(VideoReader(folder / "blob.mp4"))
    with pytest.raises(InputError, match="blob.png"):
        read_image(folder / "blob.png")
    with pytest.raises(InputError, match="blob.png"):
        read_label_image(folder / "blob.png")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.floats(0.0, 0.97), flips=st.lists(st.integers(0, 10**9), max_size=8))
def test_fuzz_damaged_video_never_crashes_differently(tmp_path_factory, long_video, cut, flips):
    """Truncated or bit-flipped copies of a valid video either decode or raise InputError."""
    data = bytearray(long_video.read_bytes())
    for position in flips:
        data[position % len(data)] ^= 0xFF
    data = data[: max(1, int(len(data) * (1 - cut)))]
    path = tmp_path_factory.mktemp("damaged") / "damaged.mp4"
    path.write_bytes(bytes(data))
    try:
        frames = list(VideoReader(path))
    except InputError as error:
        assert "damaged.mp4" in str(error)
    else:
        assert all(f.shape == (48, 64, 3) for f in frames)


def test_colour_label_image_is_rejected(tmp_path):
    colour = np.zeros((4, 4, 3), np.uint8)
    colour[0, 0] = (10, 20, 30)
    write_image(tmp_path / "labels.png", colour)
    with pytest.raises(InputError, match="labels.png: label image must have one channel"):
        read_label_image(tmp_path / "labels.png")
    write_image(tmp_path / "gray.png", np.full((4, 4, 3), 7, np.uint8))
    assert (read_label_image(tmp_path / "gray.png") == 7).all()
