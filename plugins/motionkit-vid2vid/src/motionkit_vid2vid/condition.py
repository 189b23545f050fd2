"""What a vid2vid model is conditioned on, and how each frame's generator input is built from a batch.

* ``labels``: semantic label maps ``labels (B, T, H, W)`` (+ ``instances``): the one-hot map and, with
  ``use_instance``, the instance edge map (label-to-video, e.g. Cityscapes; the ``scenes`` dataset).
* ``extractor``: a registered core condition extractor (``motionkit components --kind condition``) applied
  to each real frame ``frames (B, T, 3, H, W)``, e.g. ``canny`` (edge-to-video on any real video) or
  ``face-edge-maps`` (the official 15-channel edge-to-face input, values in ``[0, 1]`` as the official face
  data; it also gives the facial part labels the face first-frame generator needs).
* ``image``: precomputed condition images ``conditions (B, T, channels, H, W)`` in ``[0, 1]`` (as the core
  ``paired-sequences`` dataset gives them), e.g. rendered pose label images, vid2vid's 6-channel DensePose +
  OpenPose pose input (several condition folders); they are fed in ``[-1, 1]`` (``2 x - 1``) like the official
  pose inputs (the official face input stays in ``[0, 1]``: use the ``face-edge-maps`` extractor for it).
"""
from __future__ import annotations

from typing import Any, Literal, Optional

import torch
from pydantic import Field, model_validator
from torch import Tensor, nn

from motionkit.interfaces import Config

from .label_encoding import encode_labels

ConditionKind = Literal["labels", "extractor", "image"]


class ConditionConfig(Config):
    """How the per-frame generator input is made (see the module docstring)."""

    kind: ConditionKind = Field("labels", description="labels | extractor | image")
    num_classes: int = Field(6, ge=1, description="labels: number of classes (one-hot channels)")
    use_instance: bool = Field(True, description="labels: add the instance edge map (needs 'instances')")
    extractor: Optional[str] = Field(None, description="extractor: registered condition extractor name, e.g. canny")
    params: dict[str, Any] = Field(default_factory=dict, description="extractor: its config")
    channels: int = Field(1, ge=1, description="extractor/image: channels per frame")

    @model_validator(mode="after")
    def _check(self) -> "ConditionConfig":
        if self.kind == "extractor" and not self.extractor:
            raise ValueError("kind 'extractor' needs 'extractor' (a registered condition extractor name)")
        return self

    @property
    def frame_channels(self) -> int:
        """Generator input channels per frame."""
        if self.kind == "labels":
            return self.num_classes + (1 if self.use_instance else 0)
        return self.channels


class ConditionEncoder(nn.Module):
    """``forward(batch) -> (B, T, frame_channels, H, W)``: the generator input of every frame of a batch.

    Also ``encode_frame``: one frame's input from ``labels (B, H, W)`` [+ ``instances``], a real frame
    ``(B, 3, H, W)`` in ``[0, 1]`` (extractor), or a condition image ``(B, C, H, W)`` in ``[0, 1]``.
    """

    def __init__(self, config: ConditionConfig) -> None:
        super().__init__()
        self.config = config
        self.extractor: Optional[nn.Module] = None
        if config.kind == "extractor":
            from motionkit.plugins import create

            self.extractor = create("condition", config.extractor, **config.params)

    #: batch keys each kind reads
    REQUIRED = {"labels": ("labels",), "extractor": ("frames",), "image": ("conditions",)}

    def encode_frame(self, source: Tensor, instances: Optional[Tensor] = None) -> Tensor:
        """One frame's generator input ``(B, frame_channels, H, W)`` (see the class docstring)."""
        c = self.config
        if c.kind == "labels":
            if c.use_instance and instances is None:
                raise ValueError("condition.use_instance is set but no instance map was given")
            out = encode_labels(source, c.num_classes, instances if c.use_instance else None)
        elif c.kind == "extractor":
            out = self.extractor(source)
        else:
            out = source * 2 - 1
        if out.shape[1] != c.frame_channels:
            raise ValueError(
                f"condition gives {out.shape[1]} channels per frame but the config expects {c.frame_channels} "
                f"(condition.channels / num_classes)"
            )
        return out

    def encode_frame_and_parts(self, frames: Tensor) -> tuple[Tensor, Tensor]:
        """For an extractor that also gives part labels (``extract(frames)`` with ``.input`` and ``.parts``, as
        ``face-edge-maps``): one frame's generator input ``(B, frame_channels, H, W)`` and its part labels
        ``(B, H, W)`` int64, from real frames ``(B, 3, H, W)`` in ``[0, 1]``."""
        c = self.config
        if c.kind != "extractor" or not hasattr(self.extractor, "extract"):
            raise ValueError(
                f"part labels need an extractor condition that gives them (e.g. face-edge-maps); this model's "
                f"condition is kind '{c.kind}'" + (f" with extractor '{c.extractor}'" if c.extractor else ""))
        result = self.extractor.extract(frames)
        if result.input.shape[1] != c.frame_channels:
            raise ValueError(
                f"condition gives {result.input.shape[1]} channels per frame but the config expects {c.frame_channels} "
                f"(condition.channels)")
        return result.input, result.parts

    def forward(self, batch: dict[str, Tensor]) -> Tensor:
        missing = [k for k in self.REQUIRED[self.config.kind] if k not in batch]
        if self.config.kind == "labels" and self.config.use_instance and "instances" not in batch:
            missing.append("instances")
        if missing:
            raise ValueError(f"condition kind '{self.config.kind}' needs batch keys {missing}; got {sorted(batch)}")
        source = batch[self.REQUIRED[self.config.kind][0]]
        batch_size, length = source.shape[:2]
        flat = source.reshape(batch_size * length, *source.shape[2:])
        instances = batch.get("instances")
        if instances is not None:
            instances = instances.reshape(batch_size * length, *instances.shape[2:])
        with torch.no_grad():
            encoded = self.encode_frame(flat, instances)
        return encoded.reshape(batch_size, length, *encoded.shape[1:]).float()
