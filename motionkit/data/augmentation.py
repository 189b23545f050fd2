"""Augmentation applied identically to every frame of a clip (and to its label maps).

Parameters follow first-order-model's ``augmentation_params``: horizontal and time flips and colour jitter
(brightness, contrast, saturation, hue); a random crop-and-resize is available too. One set of random
parameters is drawn per clip, so motion between frames is never distorted.
"""
from __future__ import annotations

import math
from typing import Optional

import torch
import torch.nn.functional as F
from pydantic import Field
from torch import Tensor

from ..errors import InputError
from ..interfaces import Config


class AugmentationConfig(Config):
    """horizontal_flip / time_flip: flip with probability 0.5; brightness/contrast/saturation: jitter factor
    drawn in ``[1 - v, 1 + v]``; hue: shift in ``[-v, v]`` turns (0.5 = half the colour wheel);
    crop_scale: the crop keeps an area fraction in ``[crop_scale, 1]`` (1 = no crop), resized back."""

    horizontal_flip: bool = True
    time_flip: bool = True
    brightness: float = Field(0.1, ge=0, le=1)
    contrast: float = Field(0.1, ge=0, le=1)
    saturation: float = Field(0.1, ge=0, le=1)
    hue: float = Field(0.1, ge=0, le=0.5)
    crop_scale: float = Field(1.0, gt=0, le=1)


def _uniform(generator: Optional[torch.Generator], low: float, high: float) -> float:
    return low + (high - low) * float(torch.rand((), generator=generator))


class ClipAugmentation:
    """Augment a dict of clip tensors with one random draw.

    ``images``: keys of float ``(T, 3, H, W)`` (or ``(3, H, W)``) tensors in [0, 1] (all transforms);
    ``labels``: keys of int ``(T, H, W)`` (or ``(H, W)``) maps (geometric transforms only, nearest
    resampling); ``maps``: keys of float ``(T, C, H, W)`` (or ``(C, H, W)``) condition maps of any channel
    count whose values must not be blended (geometric transforms only, nearest resampling), e.g. rendered pose
    images or DensePose IUV. Every declared key must share T, H and W. Other keys are passed through unchanged, so
    tensors tied to pixel positions (keypoints, flows) must not be in an augmented item.
    """

    def __init__(self, config: AugmentationConfig, images: tuple[str, ...], labels: tuple[str, ...] = (),
                 maps: tuple[str, ...] = ()) -> None:
        self.config = config
        self.images = images
        self.labels = labels
        self.maps = maps

    def __call__(self, item: dict[str, Tensor], generator: Optional[torch.Generator] = None) -> dict[str, Tensor]:
        c = self.config
        out = dict(item)
        flip = c.horizontal_flip and _uniform(generator, 0, 1) < 0.5
        reverse = c.time_flip and _uniform(generator, 0, 1) < 0.5
        crop = self._crop_box(item, generator)
        jitter = (_uniform(generator, 1 - c.brightness, 1 + c.brightness), _uniform(generator, 1 - c.contrast, 1 + c.contrast),
                  _uniform(generator, 1 - c.saturation, 1 + c.saturation), _uniform(generator, -c.hue, c.hue))
        for key in (*self.images, *self.labels, *self.maps):
            if key not in item:
                raise InputError(f"augmentation: item has no key {key!r} (keys: {', '.join(item)})")
            value = item[key]
            is_image, is_map = key in self.images, key in self.maps
            clip = value if value.dim() == (4 if is_image or is_map else 3) else value.unsqueeze(0)
            if is_image and (clip.dim() != 4 or clip.shape[1] != 3 or not clip.is_floating_point()):
                raise InputError(f"augmentation: {key} must be float (T, 3, H, W), got {tuple(value.shape)} {value.dtype}")
            if is_map and (clip.dim() != 4 or not clip.is_floating_point()):
                raise InputError(f"augmentation: {key} must be float (T, C, H, W), got {tuple(value.shape)} {value.dtype}")
            if not (is_image or is_map) and (clip.dim() != 3 or clip.is_floating_point()):
                raise InputError(f"augmentation: {key} must be an integer (T, H, W) map, got {tuple(value.shape)}")
            if reverse and value.dim() == clip.dim():
                clip = clip.flip(0)
            if flip:
                clip = clip.flip(-1)
            if crop is not None:
                clip = self._apply_crop(clip, crop, is_image, is_map)
            if is_image:
                clip = self._jitter(clip, *jitter)
            out[key] = clip if value.dim() == clip.dim() else clip.squeeze(0)
        return out

    def _crop_box(self, item: dict[str, Tensor], generator: Optional[torch.Generator]) -> Optional[tuple[int, int, int, int]]:
        if self.config.crop_scale >= 1:
            return None
        first = item[(*self.images, *self.labels, *self.maps)[0]]
        height, width = first.shape[-2:]
        area = _uniform(generator, self.config.crop_scale, 1.0)
        crop_h, crop_w = max(1, round(height * math.sqrt(area))), max(1, round(width * math.sqrt(area)))
        top = int(torch.randint(0, height - crop_h + 1, (), generator=generator))
        left = int(torch.randint(0, width - crop_w + 1, (), generator=generator))
        return top, left, crop_h, crop_w

    @staticmethod
    def _apply_crop(clip: Tensor, box: tuple[int, int, int, int], is_image: bool, is_map: bool = False) -> Tensor:
        top, left, crop_h, crop_w = box
        size = clip.shape[-2:]
        cropped = clip[..., top:top + crop_h, left:left + crop_w]
        if is_image:
            return F.interpolate(cropped, size=size, mode="bilinear", align_corners=False, antialias=True).clamp(0, 1)
        if is_map:
            return F.interpolate(cropped, size=size, mode="nearest")
        return F.interpolate(cropped[:, None].float(), size=size, mode="nearest")[:, 0].to(clip.dtype)

    @staticmethod
    def _jitter(clip: Tensor, brightness: float, contrast: float, saturation: float, hue: float) -> Tensor:
        import kornia  # imported on use: kornia adds ~0.4 s to every CLI start

        clip = (clip * brightness).clamp(0, 1)
        mean = kornia.color.rgb_to_grayscale(clip).mean()  # one mean for the whole clip
        clip = ((clip - mean) * contrast + mean).clamp(0, 1)
        clip = kornia.enhance.adjust_saturation(clip, saturation)
        if hue != 0:
            clip = kornia.enhance.adjust_hue(clip, hue * 2 * math.pi)
        return clip.clamp(0, 1)
