import tracemalloc

import numpy as np
import pytest
import torch

from motionkit.errors import InputError
from motionkit.io import (
    FrameFolderReader,
    VideoReader,
    frame_to_tensor,
    list_frame_files,
    read_image,
    tensor_to_frame,
    write_frame_folder,
    write_image,
)


def peak_bytes_while_streaming(path) -> int:
    reader = VideoReader(path)
    tracemalloc.start()
    count = 0
    for _frame in reader:
        count += 1
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, count


def test_streaming_memory_does_not_grow_with_length(tmp_path, make_media):
    frame_bytes = 160 * 120 * 3
    peaks = {}
    for seconds in (1, 10):
        path = make_media(tmp_path / f"{seconds}s.mp4", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10",
                          "-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast")
        peaks[seconds], count = peak_bytes_while_streaming(path)
        assert count == 10 * seconds
    # 100 frames would need 5.8 MB if they were kept; the peak stays at a few frames either way
    assert peaks[10] < 4 * frame_bytes
    assert peaks[10] < peaks[1] + frame_bytes


def test_frame_folder_round_trip_and_natural_order(tmp_path):
    frames = [np.full((6, 5, 3), 20 * i, np.uint8) for i in range(12)]
    folder = write_frame_folder(tmp_path / "clip", frames, name_format="f{}")
    assert [p.name for p in list_frame_files(folder)][:3] == ["f0.png", "f1.png", "f2.png"]
    reader = FrameFolderReader(folder, fps=7.5)
    assert (len(reader), reader.width, reader.height, reader.fps) == (12, 5, 6, 7.5)
    assert all(np.array_equal(a, b) for a, b in zip(reader, frames))
    assert np.array_equal(reader.read([11])[0], frames[11])
    with pytest.raises(IndexError, match="clip"):
        reader.read([12])


def test_frame_folder_is_atomic(tmp_path):
    def frames():
        yield np.zeros((4, 4, 3), np.uint8)
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        write_frame_folder(tmp_path / "partial", frames())
    assert list(tmp_path.iterdir()) == []


def test_image_and_tensor_conversions(tmp_path):
    image = torch.rand(3, 9, 7)
    path = write_image(tmp_path / "img.png", image)
    back = frame_to_tensor(read_image(path))
    assert back.shape == (3, 9, 7) and back.dtype == torch.float32
    assert torch.allclose(back, image, atol=0.5 / 255 + 1e-6)
    gray = tensor_to_frame(torch.full((1, 2, 2), 0.5))
    assert gray.shape == (2, 2, 3) and (gray == 128).all()
    assert tensor_to_frame(torch.tensor([[[2.0]], [[-1.0]], [[0.2]]])).tolist() == [[[255, 0, 51]]]
    with pytest.raises(InputError, match="float tensor"):
        tensor_to_frame(torch.zeros(3, 2, 2, dtype=torch.uint8))
    with pytest.raises(InputError, match="unsupported image suffix"):
        write_image(tmp_path / "img.tif", image)
