"""Streaming vid2vid synthesis: the official test-time recurrence, one condition frame at a time.

Memory is constant in the video length: the pipeline keeps only the last ``n_frames`` condition frames and,
per scale, the last ``n_frames - 1`` generated frames (each scale keeps **its own** outputs, as the official
test script does)::

    pipe = Vid2VidPipeline(generator, mode="official")
    for condition in conditions:                 # (B, C, H, W), the generator's per-frame channels
        for frame in pipe.push(condition):       # (B, 3, H, W) in [0, 1]
            writer.write(frame)

How the recurrence starts (the frames before the first full window):

* ``first_frame_generator`` (the official ``--use_single_G``): a single-image generator maps each of the
  first ``n_frames - 1`` condition frames to an image; those images are emitted and seed the recurrence.
  A generator that needs more than the condition (the face one needs the real frame and its part labels,
  :mod:`~motionkit_vid2vid.face_first_frame`) names them in ``required_inputs``; they are given to
  :meth:`Vid2VidPipeline.push` as keywords (``push(condition, image=..., parts=...)``).
* ``first_frames`` given to :meth:`Vid2VidPipeline.reset` (official ``--use_real_img``): real frames seed it.
* otherwise (official ``--no_first_img``): previous frames are zeros and the first step returns the
  hallucinated image without warping. With ``pad_start=True`` (the default) the first condition frame is
  repeated ``n_frames - 1`` times before the video so that every condition frame gets an output;
  ``pad_start=False`` is the official loop (the first output is for frame ``n_frames - 1``).

Modes: ``"official"`` normalises with the current frame's statistics, as the official test script does (it
never calls ``eval()``; this is what reproduces the released models); ``"eval"`` uses the stored running
statistics. Neither changes the checkpoint's buffers.
"""
from __future__ import annotations

from contextlib import contextmanager, nullcontext
from typing import Iterator, Literal, Optional

import torch
from torch import Tensor

from motionkit.errors import InputError

from .composite_generator import ScaleResult
from .low_precision import low_precision_copy
from .norm_statistics import current_statistics
from .sequence_generator import Vid2VidGenerator

Mode = Literal["official", "eval"]
MODES = ("official", "eval")


@contextmanager
def inference_mode(generator: torch.nn.Module, mode: Mode) -> Iterator[None]:
    """No gradients, the generator in eval mode, and for ``"official"`` its norms on current statistics."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    was_training = generator.training
    generator.eval()
    try:
        with torch.no_grad(), (current_statistics(generator) if mode == "official" else nullcontext()):
            yield
    finally:
        generator.train(was_training)


class Vid2VidPipeline:
    """Frame-by-frame synthesis with a :class:`Vid2VidGenerator` (see the module docstring).

    ``first_frame_generator``: a module mapping one condition frame ``(B, C, H, W)`` (only its first
    ``first_frame_channels`` channels when given: the official single-image generators see the label one-hot
    without the instance edges) to an image ``(B, 3, H, W)`` in ``[-1, 1]``, e.g. pix2pixHD's
    ``GlobalGenerator``, called ``network(condition, **inputs)`` with the keyword inputs given to :meth:`push`
    for that frame (its ``required_inputs``, if it has that attribute, must be among them); it runs in the
    same mode as the generator. ``fast_dtype``: run reduced-precision
    copies of the networks (:func:`~motionkit_vid2vid.low_precision.low_precision_copy`; ``torch.bfloat16``
    on CPU, ``torch.float16`` on CUDA) for speed; ``None`` = exact float32.
    """

    def __init__(
        self,
        generator: Vid2VidGenerator,
        *,
        mode: Mode = "official",
        first_frame_generator: Optional[torch.nn.Module] = None,
        first_frame_channels: Optional[int] = None,
        fast_dtype: Optional[torch.dtype] = None,
        pad_start: bool = True,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        self.generator = generator
        self.mode = mode
        self.first_frame_generator = first_frame_generator
        self.first_frame_channels = first_frame_channels
        self.fast_dtype = fast_dtype
        self._fast_generator = None if fast_dtype is None else low_precision_copy(generator, fast_dtype)
        self._fast_first = (
            None if fast_dtype is None or first_frame_generator is None
            else low_precision_copy(first_frame_generator, fast_dtype)
        )
        self.pad_start = pad_start
        self.reset()

    @property
    def n_frames(self) -> int:
        return self.generator.config.n_frames

    def reset(self, first_frames: Optional[Tensor] = None) -> None:
        """Start a new video; ``first_frames (B, n_frames - 1, 3, H, W)`` in ``[0, 1]`` seed it (optional)."""
        if first_frames is not None and (first_frames.dim() != 5 or first_frames.shape[1] != self.n_frames - 1):
            raise ValueError(
                f"first_frames must be (B, {self.n_frames - 1}, 3, H, W), got {tuple(first_frames.shape)}"
            )
        self._given_first = None if first_frames is None else first_frames * 2 - 1
        self._window: list[Tensor] = []
        self._first_inputs: list[dict[str, Tensor]] = []
        self._previous: Optional[list[Tensor]] = None

    def step(self, window: Tensor, previous: list[Tensor], *, use_raw_only: bool = False) -> list[ScaleResult]:
        """One official generation step in this pipeline's mode (see :meth:`Vid2VidGenerator.step`); results
        are float32 also in fast mode."""
        if self._fast_generator is None:
            with inference_mode(self.generator, self.mode):
                return self.generator.step(window, previous, use_raw_only=use_raw_only)
        dtype = self.fast_dtype
        with inference_mode(self._fast_generator, self.mode):
            results = self._fast_generator.step(
                window.to(dtype), [p.to(dtype) for p in previous], use_raw_only=use_raw_only
            )
        return [
            ScaleResult(*(None if v is None else v.float() for v in (
                r.image, r.raw, r.flow, r.weight, r.image_features, r.flow_features, r.foreground_features)))
            for r in results
        ]

    def _seed(self, conditions: list[Tensor], inputs: list[dict[str, Tensor]]) -> Optional[Tensor]:
        """Previous frames ``(B, n_frames - 1, 3, H, W)`` in ``[-1, 1]`` for step 0, or ``None`` (zeros)."""
        if self._given_first is not None:
            return self._given_first
        if self.first_frame_generator is not None:
            channels = self.first_frame_channels
            network = self._fast_first or self.first_frame_generator
            dtype = self.fast_dtype or conditions[0].dtype
            images = []
            with inference_mode(network, self.mode):
                for c, extra in zip(conditions, inputs):
                    extra = {k: v.to(dtype) if v.is_floating_point() else v for k, v in extra.items()}
                    images.append(network((c if channels is None else c[:, :channels]).to(dtype), **extra))
            return torch.stack([image.float() for image in images], dim=1)
        return None

    def _check_first_inputs(self, inputs: dict[str, Tensor]) -> None:
        required = getattr(self.first_frame_generator, "required_inputs", ())
        missing = [name for name in required if name not in inputs]
        if missing:
            raise InputError(
                f"the first-frame generator ({type(self.first_frame_generator).__name__}) needs {list(required)} "
                f"with each of the first {self.n_frames - 1} condition frames: push(condition, "
                f"{', '.join(f'{name}=...' for name in required)}); missing {missing}"
            )

    def push(self, condition: Tensor, **first_frame_inputs: Tensor) -> list[Tensor]:
        """Add the next condition frame ``(B, C, H, W)``; returns the frames completed by it, each
        ``(B, 3, H, W)`` in ``[0, 1]`` (none until the first window is full, then usually one).

        ``first_frame_inputs``: what the first-frame generator needs besides the condition (its
        ``required_inputs``, e.g. ``image=`` and ``parts=`` for faces); used for the first ``n_frames - 1``
        frames only, ignored afterwards."""
        if condition.dim() != 4:
            raise ValueError(f"condition must be (B, C, H, W), got {tuple(condition.shape)}")
        seeds_itself = self._given_first is None and self.first_frame_generator is None and self.pad_start
        if seeds_itself and not self._window and self._previous is None:
            self._window = [condition] * (self.n_frames - 1)
        self._window.append(condition)
        first_frame = self._previous is None and len(self._window) < self.n_frames
        if first_frame and self._given_first is None and self.first_frame_generator is not None:
            self._check_first_inputs(first_frame_inputs)
            self._first_inputs.append(dict(first_frame_inputs))
        if len(self._window) < self.n_frames:
            return []
        emitted: list[Tensor] = []
        use_raw_only = False
        if self._previous is None:
            seed = self._seed(self._window[:-1], self._first_inputs)
            self._first_inputs = []
            if seed is None:
                batch, _, height, width = condition.shape
                seed = condition.new_zeros(batch, self.n_frames - 1, self.generator.config.output_nc, height, width)
                use_raw_only = True
            else:
                emitted += list(seed.unbind(1))
            self._previous = self.generator.pyramid(seed.to(condition.dtype))
        results = self.step(torch.stack(self._window, dim=1), self._previous, use_raw_only=use_raw_only)
        self._previous = [
            torch.cat([prev[:, 1:], result.image.to(prev.dtype).unsqueeze(1)], dim=1)
            for prev, result in zip(self._previous, results)
        ]
        self._window.pop(0)
        emitted.append(results[-1].image.float())
        return [((frame + 1) / 2).clamp(0, 1) for frame in emitted]
