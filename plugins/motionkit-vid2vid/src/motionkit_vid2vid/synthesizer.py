"""Video synthesis from a condition video, frame folder or set of condition folders, streamed (constant memory in
video length).

Python::

    from motionkit_vid2vid import Vid2VidSynthesizer
    synth = Vid2VidSynthesizer.load("vid2vid.safetensors")            # or an official folder + options file
    synth.synthesize("labels/", "out.mp4")                              # label-map PNGs, a video, ...
    for frame in synth.frames(source):                                  # or iterate: (3, H, W) in [0, 1]
        ...

    # a model whose condition comes from several folders (vid2vid's 6-channel pose2body input)
    synth = Vid2VidSynthesizer.load("pose.safetensors", size=(256, 448), center_crop=(256, 192))
    synth.synthesize([{"dir": "dp/", "kind": "densepose"}, {"dir": "op/", "kind": "openpose"}], "out.mp4", fps=30)

A single condition source is read with :func:`motionkit.io.open_video` (a video file or a folder of frames) and
each frame becomes the generator input as the method's condition config says: label-id images (class id =
the first channel; instance ids from a parallel folder, else the label map is used as instance map), real
frames for a condition extractor (e.g. Canny edges, or the 15-channel face input of ``face-edge-maps``), or
condition images. A first-frame generator that needs the real frame and its part labels (the official
edge2face one, :mod:`motionkit_vid2vid.face_first_frame`) gets them from the extractor's pass over each of the
first frames.

A list of condition folders (:class:`motionkit.data.ConditionFolder`, or mappings ``{"dir", "kind", ...}``, or
plain image folder paths) feeds a model with an ``image`` condition of ``3 * len(folders)`` channels: the
folders' files are matched frame by frame in natural order (:func:`motionkit.data.condition_frame_files`) and
each frame's condition is read exactly as the ``paired-sequences`` dataset builds it in training
(:func:`motionkit.data.read_condition_frame`: DensePose IUV images, OpenPose JSON rendered at ``source_size``
(default: the size of the frame's other condition images), nearest resizing to ``size``, the central
``center_crop``; no label dropping), one frame at a time. There is no video to take a frame rate from: the
output has ``fps`` frames per second, by default :data:`DEFAULT_FPS` (the rate a frame folder reports).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Mapping, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn.functional as F
from pydantic import ValidationError
from torch import Tensor, nn

from motionkit.checkpoint import is_motionkit_checkpoint, load_method
from motionkit.errors import ConfigError, InputError
from motionkit.interfaces import format_validation_error
from motionkit.io import VideoWriter, frame_to_tensor, list_frame_files, open_video

from .method import Vid2Vid
from .pipeline import Mode, Vid2VidPipeline

if TYPE_CHECKING:
    from motionkit.data import ConditionFolder

PathLike = Union[str, os.PathLike]
#: a condition video or frame folder, or several condition folders (see the module docstring)
ConditionSource = Union[PathLike, Sequence[Union["ConditionFolder", Mapping[str, Any], PathLike]]]
#: output frame rate for condition folders (they store none): what :func:`motionkit.io.open_video` reports for a folder
DEFAULT_FPS = 25.0


def _condition_folders(source: ConditionSource) -> Optional[list[ConditionFolder]]:
    """``source`` as a list of :class:`ConditionFolder` (``None`` for a single video or frame folder)."""
    if isinstance(source, (str, os.PathLike)):
        return None
    from motionkit.data import ConditionFolder  # not at import time: plugin discovery stays cheap

    folders = []
    for entry in source:
        if isinstance(entry, ConditionFolder):
            folders.append(entry)
            continue
        params = dict(entry) if isinstance(entry, Mapping) else {"dir": entry}
        params["dir"] = os.fspath(params["dir"]) if isinstance(params.get("dir"), os.PathLike) else params.get("dir")
        try:
            folders.append(ConditionFolder.model_validate(params))
        except ValidationError as error:
            raise ConfigError(f"condition folder {entry!r}:\n{format_validation_error(error)}") from None
    if not folders:
        raise ConfigError("the list of condition folders is empty")
    return folders


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
    condition frames to (nearest for label maps and condition folders); ``center_crop``: ``(H, W)`` central
    region of condition folders kept after resizing (vid2vid's pose mode keeps the central half of the width);
    ``first_frame_generator``: the official single-image generator that makes the first frames (see
    :mod:`motionkit_vid2vid.single_frame`).
    """

    def __init__(
        self,
        method: Vid2Vid,
        *,
        mode: Mode = "official",
        device: Union[str, torch.device] = "cpu",
        fast: bool = False,
        size: Optional[tuple[int, int]] = None,
        center_crop: Optional[tuple[int, int]] = None,
        first_frame_generator: Optional[nn.Module] = None,
    ) -> None:
        self.device = torch.device(device)
        self.method = method.to(self.device)
        self.size = size
        self.center_crop = center_crop
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

    def conditions(self, source: ConditionSource, instances: Optional[PathLike] = None, *,
                   source_size: Optional[tuple[int, int]] = None) -> Iterator[Tensor]:
        """The generator input ``(1, C, H, W)`` of every source frame, streamed (see the module docstring)."""
        for condition, _ in self._inputs(source, instances, source_size):
            yield condition

    def frames(self, source: ConditionSource, instances: Optional[PathLike] = None, *,
               source_size: Optional[tuple[int, int]] = None) -> Iterator[Tensor]:
        """Generated frames ``(3, H, W)`` in ``[0, 1]`` (on the CPU), one per source frame, streamed; ``source``: a
        condition video or frame folder, or a list of condition folders (``source_size``: their OpenPose canvas)."""
        multiple = self.method.generator.size_multiple
        inputs = self._inputs(source, instances, source_size)
        self.pipeline.reset()
        for condition, extra in inputs:
            height, width = condition.shape[-2:]
            if height % multiple or width % multiple:
                raise InputError(f"{_describe(source)}: frames are {height}x{width}; this model needs multiples of "
                                 f"{multiple} (pass size=(H, W))")
            for image in self.pipeline.push(condition, **extra):
                yield image[0].cpu()

    def _inputs(self, source: ConditionSource, instances: Optional[PathLike],
                source_size: Optional[tuple[int, int]]) -> Iterator[tuple[Tensor, dict[str, Tensor]]]:
        """``(generator input (1, C, H, W), extra inputs of the first-frame generator)`` of every source frame."""
        folders = _condition_folders(source)
        if folders is not None:
            yield from self._folder_inputs(folders, instances, source_size)
            return
        if self.center_crop is not None or source_size is not None:
            raise ConfigError("center_crop and source_size apply to condition folders; this source is one video or "
                              "folder")
        reader = open_video(source)
        instance_files = list_frame_files(instances) if instances is not None else None
        if instance_files is not None and len(instance_files) != len(reader):
            raise InputError(f"{instances}: {len(instance_files)} instance maps for {len(reader)} condition frames")
        needs = self._first_frame_needs()
        if needs - {"image", "parts"}:
            raise InputError(f"the first-frame generator needs {sorted(needs)}; the synthesizer gives 'image' and "
                             "'parts'")
        for index, frame in enumerate(reader):
            if needs and index < self.pipeline.n_frames - 1:
                image = self._image(frame)
                condition, parts = self.method.condition.encode_frame_and_parts(image)
                yield condition, {"image": image, "parts": parts}
            else:
                ids = _read_instance_map(instance_files[index]) if instance_files is not None else None
                yield self.condition_frame(frame, ids), {}

    def _folder_inputs(self, folders: list[ConditionFolder], instances: Optional[PathLike],
                       source_size: Optional[tuple[int, int]]) -> Iterator[tuple[Tensor, dict[str, Tensor]]]:
        """The generator inputs of a sequence stored in several condition folders, one frame at a time."""
        from motionkit.data import condition_frame_files, read_condition_frame

        config = self.method.config.condition
        names = ", ".join(folder.dir for folder in folders)
        if instances is not None:
            raise ConfigError("instances go with a label-map condition, not with condition folders")
        if config.kind != "image" or config.channels != 3 * len(folders):
            expected = (f"an 'image' condition of {config.channels} channels" if config.kind == "image"
                        else f"a '{config.kind}' condition")
            raise InputError(f"condition folders {names} give {3 * len(folders)} channels (3 per folder); this model "
                             f"takes {expected}")
        if self._first_frame_needs():
            raise InputError(f"the first-frame generator needs {sorted(self._first_frame_needs())}, which condition "
                             f"folders ({names}) do not give")
        for files in condition_frame_files(folders):
            condition = read_condition_frame(files, folders, source_size=source_size, size=self.size,
                                             center_crop=self.center_crop)
            yield self.method.condition.encode_frame(condition[None].to(self.device)), {}

    def _first_frame_needs(self) -> set[str]:
        """The extra inputs the first-frame generator asks for (its ``required_inputs``)."""
        return set(getattr(self.pipeline.first_frame_generator, "required_inputs", ()))

    def synthesize(self, source: ConditionSource, out: PathLike, *, instances: Optional[PathLike] = None,
                   fps: Optional[float] = None, source_size: Optional[tuple[int, int]] = None) -> Path:
        """Write the synthesised video of ``source`` to ``out`` (MP4/GIF, written atomically); ``fps``: default the
        condition video's, :data:`DEFAULT_FPS` for frame folders and condition folders."""
        if not fps:
            fps = open_video(source, folder_fps=DEFAULT_FPS).fps if _condition_folders(source) is None else DEFAULT_FPS
        with VideoWriter(out, fps=fps) as writer:
            for image in self.frames(source, instances, source_size=source_size):
                writer.write(image)
        return Path(out)


def _describe(source: ConditionSource) -> str:
    """A condition source as named in error messages."""
    folders = _condition_folders(source)
    return str(source) if folders is None else ", ".join(folder.dir for folder in folders)
