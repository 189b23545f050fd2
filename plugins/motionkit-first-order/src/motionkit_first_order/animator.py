"""Animating a source image by a driving video, frame by frame (constant memory in video length)."""
from __future__ import annotations

import contextlib
from typing import Iterable, Iterator, Literal, Optional

import torch
import torch.nn.functional as F

import motionkit as mk
from motionkit.ops import transfer_relative_motion

from .inference import inference_copy
from .method import FirstOrder

Precision = Literal["fp32", "bf16", "fp16"]


def pad_to_square(frames: torch.Tensor) -> tuple[torch.Tensor, tuple[int, int, int, int]]:
    """Pad ``frames (B, C, H, W)`` to ``S x S``, ``S = max(H, W)``, centred, repeating the border pixels.

    Returns the padded frames and the padding ``(left, right, top, bottom)`` (for :func:`crop_padding`).
    """
    height, width = frames.shape[-2:]
    side = max(height, width)
    left, top = (side - width) // 2, (side - height) // 2
    padding = (left, side - width - left, top, side - height - top)
    if not any(padding):
        return frames, padding
    return F.pad(frames, padding, mode="replicate"), padding


def crop_padding(frames: torch.Tensor, padding: tuple[int, int, int, int]) -> torch.Tensor:
    """Undo :func:`pad_to_square` on ``frames (B, C, S, S)``."""
    left, right, top, bottom = padding
    side = frames.shape[-1]
    return frames[..., top : frames.shape[-2] - bottom, left : side - right]


class Animator:
    """Re-enact a source image with the motion of driving frames, one frame at a time.

    ``Animator(method).animate(source, driving_frames)`` yields one ``(3, H, W)`` frame in [0, 1] per
    driving frame, at the source's size ``H x W``. Frames of any size are padded to a square (not
    stretched) and resized to ``size`` for the networks; outputs are resized back and cropped.

    * ``relative`` (default): the source keypoints move by the driving keypoints' displacement from the
      reference frame (the first driving frame, or ``reference_frame``); jacobians likewise.
      ``relative=False`` uses the driving keypoints as they are (absolute).
    * ``adapt_scale``: scale the relative displacement by the ratio of keypoint convex-hull areas.
    * ``precision``: ``"fp32"`` (exact), ``"bf16"`` (autocast; CPUs with AMX/AVX512-BF16 and GPUs) or
      ``"fp16"`` (CUDA autocast) for the generator; keypoints are always computed in float32.

    The generator's encoder runs once per source (its features are cached); the networks run as
    :func:`inference_copy` rewrites (BatchNorm folded, fused upsample + convolution: same outputs up to float
    rounding, made on the method's current device when the Animator is built); memory stays constant in
    the number of driving frames.
    """

    def __init__(self, method: FirstOrder, *, relative: bool = True, adapt_scale: bool = False,
                 precision: Precision = "fp32", size: int = 256) -> None:
        if precision not in ("fp32", "bf16", "fp16"):
            raise ValueError(f"precision must be 'fp32', 'bf16' or 'fp16', got {precision!r}")
        if adapt_scale and not relative:
            raise ValueError("adapt_scale only applies to relative motion transfer (relative=True)")
        self.method = method.eval()
        self.relative = relative
        self.adapt_scale = adapt_scale
        self.precision = precision
        self.size = size
        channels_last = self.device.type == "cpu"  # oneDNN's preferred layout
        self.detector = inference_copy(method.kp_detector, channels_last=channels_last)
        self.generator = inference_copy(method.generator, conv_dtype=self._autocast_dtype(),
                                        channels_last=channels_last)

    @property
    def device(self) -> torch.device:
        return next(self.method.parameters()).device

    def _autocast_dtype(self) -> Optional[torch.dtype]:
        if self.precision == "fp16" and self.device.type != "cuda":
            raise ValueError("precision 'fp16' needs a CUDA device; use 'bf16' on CPU")
        return {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}[self.precision]

    def _autocast(self) -> contextlib.AbstractContextManager:
        dtype = self._autocast_dtype()
        return contextlib.nullcontext() if dtype is None else torch.autocast(self.device.type, dtype=dtype)

    def _prepare(self, frame: torch.Tensor) -> tuple[torch.Tensor, tuple[int, int, int, int]]:
        if frame.dim() == 3:
            frame = frame.unsqueeze(0)
        if frame.dim() != 4 or frame.shape[0] != 1 or frame.shape[1] != 3:
            raise ValueError(f"frames must be (3, H, W) or (1, 3, H, W) in [0, 1], got {tuple(frame.shape)}")
        square, padding = pad_to_square(frame.to(self.device, torch.float32))
        if square.shape[-1] != self.size:
            square = F.interpolate(square, size=(self.size, self.size), mode="bilinear", align_corners=False,
                                   antialias=square.shape[-1] > self.size)
        if self.device.type == "cpu":
            square = square.contiguous(memory_format=torch.channels_last)
        return square, padding

    @torch.no_grad()
    def animate(self, source: torch.Tensor, driving: Iterable[torch.Tensor],
                reference_frame: Optional[torch.Tensor] = None) -> Iterator[torch.Tensor]:
        """Yield the animated frames ``(3, H, W)`` (source size, [0, 1], float32, on the method's device).

        ``source``: ``(3, H, W)`` or ``(1, 3, H, W)``; ``driving``: an iterable of such frames (consumed
        lazily); ``reference_frame``: the driving frame whose pose corresponds to the source (relative mode;
        default the first driving frame, e.g. the best-aligned frame from :func:`find_best_frame`).
        """
        source_in, padding = self._prepare(source)
        side = max(source.shape[-2:])
        detector, generator = self.detector, self.generator
        kp_source = detector(source_in)
        with self._autocast():
            features = generator.encode(source_in)
        kp_reference = detector(self._prepare(reference_frame)[0]) if reference_frame is not None else None
        for frame in driving:
            kp_driving = detector(self._prepare(frame)[0])
            if self.relative:
                if kp_reference is None:
                    kp_reference = kp_driving
                kp_driving = self._relative(kp_source, kp_driving, kp_reference)
            with self._autocast():
                out = generator.render(source_in, features, kp_source, kp_driving, with_deformed=False)
            prediction = out["prediction"].float()
            if prediction.shape[-1] != side:
                prediction = F.interpolate(prediction, size=(side, side), mode="bilinear", align_corners=False,
                                           antialias=side < prediction.shape[-1])
            yield crop_padding(prediction, padding)[0].clamp(0, 1)

    def _relative(self, kp_source: mk.Keypoints, kp_driving: mk.Keypoints, kp_reference: mk.Keypoints) -> mk.Keypoints:
        jacobians = kp_source.jacobian is not None
        value, jacobian = transfer_relative_motion(
            kp_source.value, kp_driving.value, kp_reference.value, adapt_movement_scale=self.adapt_scale,
            source_jacobians=kp_source.jacobian if jacobians else None,
            driving_jacobians=kp_driving.jacobian if jacobians else None,
            initial_driving_jacobians=kp_reference.jacobian if jacobians else None,
        )
        return mk.Keypoints(value, jacobian)
