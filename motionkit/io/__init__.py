"""Video and image IO: streaming readers, atomic writers, audio muxing and tensor conversions.

Frames at this boundary are uint8 ``(H, W, 3)`` RGB numpy arrays; :mod:`.convert` turns them into float
``(3, H, W)`` tensors in ``[0, 1]`` and back.
"""
from .atomic import AtomicFile, atomic_file, atomic_folder
from .audio import mux_audio
from .convert import (
    as_rgb_uint8,
    frame_to_tensor,
    frames_to_tensor,
    tensor_to_frame,
    tensor_to_frames,
    to_uint8_frame,
)
from .frames import (
    IMAGE_SUFFIXES,
    FrameFolderReader,
    list_frame_files,
    natural_key,
    read_image,
    read_label_image,
    write_frame_folder,
    write_image,
)
from .open_video import VIDEO_SUFFIXES, FrameSource, open_video
from .video_reader import VideoInfo, VideoReader
from .video_writer import VideoWriter, write_video

__all__ = [
    "AtomicFile", "atomic_file", "atomic_folder", "mux_audio", "as_rgb_uint8", "frame_to_tensor",
    "frames_to_tensor", "tensor_to_frame", "tensor_to_frames", "to_uint8_frame", "IMAGE_SUFFIXES",
    "FrameFolderReader", "list_frame_files", "natural_key", "read_image", "read_label_image", "write_frame_folder", "write_image",
    "VIDEO_SUFFIXES", "FrameSource", "open_video", "VideoInfo", "VideoReader", "VideoWriter", "write_video",
]
