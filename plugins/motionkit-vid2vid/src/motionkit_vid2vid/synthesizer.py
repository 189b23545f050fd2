"""Video synthesis from a condition video or frame folder, streamed (constant memory in video length).

Python::

    from motionkit_vid2vid import Vid2VidSynthesizer
    synth = Vid2VidSynthesizer.load("vid2vid.safetensors")            # or an official folder + options file
    synth.synthesize("labels/", "out.mp4")                              # label-map PNGs, a video, ...
    for frame in synth.frames(source):                                  # or iterate: (3, H, W) in [0, 1]
        ...

The condition source is read with :func:`motionkit.io.open_video` (a video file or a folder of frames) and
each frame becomes the generator input as the method's condition config says: label-id images (class id =
the first channel; instance ids from a parallel folder, else the label map is used as instance map), real
frames for a condition extractor (e.g. Canny edges, or the 15-channel face input of ``face-edge-maps``), or
condition images. A first-frame generator that needs the real frame and its part labels (the official
edge2face one, :mod:`motionkit_vid2vid.face_first_frame`) gets them from the extractor's pass over each of the
first frames.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator, Optional, Union

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from motionkit.checkpoint import is_motionkit_checkpoint, load_method
from motionkit.errors import InputError
from motionkit.io import VideoWriter, frame_to_tensor, list_frame_files, open_video

from .method import Vid2Vid
from .pipeline import Mode, Vid2VidPipeline

PathLike = Union[str, os.PathLike]


def _read_instance_map(path: Path) -> np.ndarray:
    """An instance-id image read without scaling (Cityscapes ``*_instanceIds.png`` are 16/32-bit)."""
    import imageio.v3 as iio

    try:
        ids = np.asarray(iio.imread(path))
    except Exception as error:  # imageio raises many types for unreadable data
        raise InputError(f"{path}: not a readable instance map ({type(error).__name__}: {error})") from None
    return ids[..., 0] if ids.ndim == 3 else ids


class Vid2VidSynthesizer:
    """Streams a condition source through a :class:`Vid2Vid` method's generator (see the module docstring).

    ``mode``: ``"official"`` (normalise each frame with its own statistics, as the official test script) or
    ``"eval"``; ``fast``: a bfloat16 (CPU) / float16 (CUDA) copy of the networks; ``size``: ``(H, W)`` to resize
    condition frames to (nearest for label maps); ``first_frame_generator``: the official single-image
    generator that makes the first frames (see :mod:`motionkit_vid2vid.single_frame`).
    """

    def __init__(
        self,
        method: Vid2Vid,
        *,
        mode: Mode = "official",
        device: Union[str, torch.device] = "cpu",
        fast: bool = False,
        size: Optional[tuple[int, int]] = None,
        first_frame_generator: Optional[nn.Module] = None,
    ) -> None:
        self.device = torch.device(device)
        self.method = method.to(self.device)
        self.size = size
        dtype = (torch.float16 if self.device.type == "cuda" else torch.bfloat16) if fast else None
        self.pipeline = Vid2VidPipeline(
            method.generator, mode=mode, fast_dtype=dtype,
            first_frame_generator=None if first_frame_generator is None else first_frame_generator.to(self.device),
            first_frame_channels=method.config.condition.num_classes if method.config.condition.kind == "labels" else None,
        )

    @classmethod
    def load(cls, checkpoint: PathLike, config: Optional[PathLike] = None, *,
             condition_params: Optional[dict] = None, **kwargs) -> "Vid2VidSynthesizer":
        """From a motionkit checkpoint (``.safetensors``) or official per-scale files plus their options;
        ``condition_params`` (official checkpoints only) are passed to the condition extractor, e.g.
        ``{"weights_dir": ...}`` for the face-alignment weights of an edge2face model."""
        checkpoint = Path(checkpoint)
        if is_motionkit_checkpoint(checkpoint):
            if condition_params:
                raise ValueError(f"{checkpoint}: condition_params apply to official checkpoints; a motionkit "
                                 "checkpoint keeps the condition.params of its config")
            method = load_method(checkpoint, expected_method=Vid2Vid.name)
        else:
            method = Vid2Vid.from_official(checkpoint, Path(config) if config is not None else None,
                                           condition_params=condition_params)
        return cls(method, **kwargs)

    def _image(self, frame: np.ndarray) -> Tensor:
        """A source frame (uint8 ``(H, W, 3)``) as ``(1, 3, H, W)`` in ``[0, 1]`` on the device, resized to ``size``."""
        image = frame_to_tensor(frame)[None]
        if self.size is not None:
            image = F.interpolate(image, size=self.size, mode="area")
        return image.to(self.device)

    def condition_frame(self, frame: np.ndarray, instances: Optional[np.ndarray] = None) -> Tensor:
        """One source frame (uint8 ``(H, W, 3)``) -> generator input ``(1, C, H, W)`` on the device."""
        config = self.method.config.condition
        if config.kind == "labels":
            labels = torch.from_numpy(np.ascontiguousarray(frame[..., 0])).long()[None]
            ids = labels if instances is None else torch.from_numpy(instances.astype(np.int64))[None]
            if self.size is not None:
                labels = F.interpolate(labels[None].float(), size=self.size, mode="nearest")[0].long()
                ids = F.interpolate(ids[None].float(), size=self.size, mode="nearest")[0].long()
            if int(labels.max()) >= config.num_classes:
                raise InputError(
                    f"label map holds class id {int(labels.max())} but the model has {config.num_classes} classes"
                )
            return self.method.condition.encode_frame(labels.to(self.device), ids.to(self.device))
        return self.method.condition.encode_frame(self._image(frame))

    def frames(self, source: PathLike, instances: Optional[PathLike] = None) -> Iterator[Tensor]:
        """Generated frames ``(3, H, W)`` in ``[0, 1]`` (on the CPU), one per source frame, streamed."""
        reader = open_video(source)
        instance_files = list_frame_files(instances) if instances is not None else None
        if instance_files is not None and len(instance_files) != len(reader):
            raise InputError(f"{instances}: {len(instance_files)} instance maps for {len(reader)} condition frames")
        multiple = self.method.generator.size_multiple
        needs = set(getattr(self.pipeline.first_frame_generator, "required_inputs", ()))
        if needs - {"image", "parts"}:
            raise InputError(f"the first-frame generator needs {sorted(needs)}; the synthesizer gives 'image' and 'parts'")
        self.pipeline.reset()
        for index, frame in enumerate(reader):
            ids = _read_instance_map(instance_files[index]) if instance_files is not None else None
            extra: dict[str, Tensor] = {}
            if needs and index < self.pipeline.n_frames - 1:
                image = self._image(frame)
                condition, parts = self.method.condition.encode_frame_and_parts(image)
                extra = {"image": image, "parts": parts}
            else:
                condition = self.condition_frame(frame, ids)
            height, width = condition.shape[-2:]
            if height % multiple or width % multiple:
                raise InputError(
                    f"{source}: frames are {height}x{width}; this model needs multiples of {multiple} (pass size=(H, W))"
                )
            for image in self.pipeline.push(condition, **extra):
                yield image[0].cpu()

    def synthesize(self, source: PathLike, out: PathLike, *, instances: Optional[PathLike] = None,
                   fps: Optional[float] = None) -> Path:
        """Write the synthesised video of ``source`` to ``out`` (MP4/GIF, written atomically)."""
        fps = fps or open_video(source).fps
        with VideoWriter(out, fps=fps) as writer:
            for image in self.frames(source, instances):
                writer.write(image)
        return Path(out)
