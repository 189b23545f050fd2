"""vid2vid's sequential generator: the coarse-to-fine stack of per-scale networks and one generation step.

One step maps a window of ``n_frames`` encoded condition frames ``S_{t-T+1..t}`` and the ``n_frames - 1``
previous output frames of every scale to the frame ``X_t`` (see
:mod:`motionkit_vid2vid.composite_generator` for what one scale computes). Conditions are pooled into a
pyramid with ``AvgPool2d(3, stride=2, padding=1, count_include_pad=False)``, as the official code does (the
one-hot and edge maps are averaged, not sampled). The foreground mask of a scale is the sum of the pooled
``foreground_channels`` of the newest condition frame, clamped to ``[0, 1]``.

State-dict keys are ``netG<s>.<official key>``: ``netG<s>`` loads ``latest_net_G<s>.pth`` as it is.
Images are in ``[-1, 1]``, the official range; the pipeline and the method convert from/to ``[0, 1]``.
"""
from __future__ import annotations

from typing import Literal, Optional, Union

import torch
import torch.nn.functional as F
from pydantic import Field
from torch import Tensor

from motionkit.interfaces import Config, Generator
from motionkit.nn.norm import NormSpec

from .composite_generator import CompositeGenerator, CompositeLocalGenerator, ScaleResult


def pool_half(x: Tensor) -> Tensor:
    """The official pyramid step: ``(..., H, W) -> (..., H // 2, W // 2)`` (for even sizes) by a 3x3 average
    with stride 2, padding 1, padded pixels not counted."""
    lead, (height, width) = x.shape[:-2], x.shape[-2:]
    pooled = F.avg_pool2d(x.reshape(-1, 1, height, width), 3, stride=2, padding=1, count_include_pad=False)
    return pooled.view(*lead, *pooled.shape[-2:])


class Vid2VidGenerator(Generator):
    """The official vid2vid generator (``--netG composite``) over ``n_scales`` spatial scales.

    ``forward(window (B, n_frames, frame_channels, H, W), previous)`` with ``previous`` either a list (one
    ``(B, n_frames - 1, 3, h_s, w_s)`` tensor per scale, coarsest first: each scale's own earlier outputs) or
    one finest-scale tensor ``(B, n_frames - 1, 3, H, W)`` that is pooled into the pyramid. Returns
    ``prediction`` (finest ``img_final``), ``raw`` (hallucinated image), ``flow`` (pixels), ``weight`` (blend
    weight of ``raw``) and ``scale<s>`` (each scale's ``img_final``, for the next step's previous frames).
    Images in ``[-1, 1]``.
    """

    name = "vid2vid.generator"

    class Config(Config):
        frame_channels: int = Field(36, ge=1, description="condition channels per frame (e.g. 35 one-hot + 1 instance edge)")
        output_nc: int = Field(3, ge=1, description="image channels")
        n_frames: int = Field(3, ge=2, description="frames per window (official n_frames_G); n_frames - 1 previous frames")
        ngf: int = Field(32, ge=1, description="width of scale 0; scale s uses ngf // 2**s")
        n_downsample: int = Field(3, ge=1, description="stride-2 layers of scale 0 (official n_downsample_G)")
        n_blocks: int = Field(4, ge=0, description="residual blocks of scale 0, split between encoders and trunks")
        n_blocks_local: int = Field(3, ge=0, description="residual blocks of every finer scale")
        n_scales: int = Field(1, ge=1, description="spatial scales (official n_scales_spatial)")
        foreground_channels: tuple[int, ...] = Field(
            (), description="condition channels (of one frame) forming the foreground mask; empty: no foreground model"
        )
        use_flow: bool = Field(True, description="predict flow and blend weight (official: not --no_flow)")
        norm: Literal["batch", "instance"] = Field("batch", description="feature normalisation (official --norm)")
        align_corners: bool = Field(
            True, description="grid_sample align_corners of the warp (True: the released models; False: the official code on torch>=1.3)"
        )

    def __init__(self, config: Optional[Config] = None, **params) -> None:
        super().__init__(config, **params)
        c = self.config
        if any(i >= c.frame_channels or i < 0 for i in c.foreground_channels):
            raise ValueError(
                f"foreground_channels {list(c.foreground_channels)} must lie in [0, frame_channels={c.frame_channels})"
            )
        norm = NormSpec(feature=c.norm, track_running_stats=True)
        input_nc = c.frame_channels * c.n_frames
        prev_nc = c.output_nc * (c.n_frames - 1)
        use_fg = bool(c.foreground_channels)
        self.netG0 = CompositeGenerator(
            input_nc, prev_nc, c.output_nc, c.ngf, c.n_downsample, c.n_blocks, norm,
            use_foreground=use_fg, use_flow=c.use_flow, align_corners=c.align_corners,
        )
        for s in range(1, c.n_scales):
            setattr(self, f"netG{s}", CompositeLocalGenerator(
                input_nc, prev_nc, c.output_nc, c.ngf // 2**s, c.n_downsample, c.n_blocks_local, norm,
                scale=s, use_foreground=use_fg, use_flow=c.use_flow, align_corners=c.align_corners,
            ))

    def scale_network(self, scale: int) -> Union[CompositeGenerator, CompositeLocalGenerator]:
        """The network of ``scale`` (0 = coarsest), as stored in ``latest_net_G<scale>.pth``."""
        if not 0 <= scale < self.config.n_scales:
            raise IndexError(f"scale {scale} out of range [0, {self.config.n_scales})")
        return getattr(self, f"netG{scale}")

    @property
    def size_multiple(self) -> int:
        """Frame height and width must be multiples of this."""
        return 2 ** (self.config.n_downsample + self.config.n_scales - 1)

    def pyramid(self, frames: Tensor) -> list[Tensor]:
        """``(..., H, W)`` -> one tensor per scale, coarsest first, by repeated :func:`pool_half`."""
        levels = [frames]
        for _ in range(1, self.config.n_scales):
            levels.append(pool_half(levels[-1]))
        return levels[::-1]

    def check_window(self, window: Tensor) -> None:
        """Raise ``ValueError`` unless ``window`` is ``(B, n_frames, frame_channels, H, W)`` with a valid size."""
        c = self.config
        if window.dim() != 5 or window.shape[1] != c.n_frames or window.shape[2] != c.frame_channels:
            raise ValueError(
                f"condition window must be (B, {c.n_frames}, {c.frame_channels}, H, W), got {tuple(window.shape)}"
            )
        height, width = window.shape[-2:]
        if height % self.size_multiple or width % self.size_multiple:
            raise ValueError(
                f"frame size {height}x{width} must be a multiple of {self.size_multiple} "
                f"(2 ** (n_downsample + n_scales - 1))"
            )

    def foreground_mask(self, window: Tensor) -> Optional[Tensor]:
        """``(B, 1, h, w)`` mask of the newest frame of a (pooled) window, or ``None`` without foreground model."""
        channels = self.config.foreground_channels
        if not channels:
            return None
        newest = window[:, -1]
        mask = newest[:, channels[0]:channels[0] + 1].clone()
        for index in channels[1:]:
            mask = mask + newest[:, index:index + 1]
        return torch.clamp(mask, 0, 1)

    def step(self, window: Tensor, previous: list[Tensor], *, use_raw_only: bool = False) -> list[ScaleResult]:
        """One frame: every scale's :class:`ScaleResult`, coarsest first.

        ``window (B, n_frames, frame_channels, H, W)``; ``previous``: per scale, coarsest first,
        ``(B, n_frames - 1, output_nc, h_s, w_s)`` oldest first. ``use_raw_only`` returns the hallucinated
        image without warping (the official ``--no_first_img`` first step).
        """
        self.check_window(window)
        if len(previous) != self.config.n_scales:
            raise ValueError(f"previous must hold {self.config.n_scales} tensors (one per scale), got {len(previous)}")
        results: list[ScaleResult] = []
        coarse: Optional[ScaleResult] = None
        for s, (labels, prev) in enumerate(zip(self.pyramid(window), previous)):
            batch, _, _, height, width = labels.shape
            expected = (batch, self.config.n_frames - 1, self.config.output_nc, height, width)
            if tuple(prev.shape) != expected:
                raise ValueError(f"previous frames of scale {s} must be {expected}, got {tuple(prev.shape)}")
            coarse = self.scale_network(s)(
                labels.reshape(batch, -1, height, width),
                prev.reshape(batch, -1, height, width),
                self.foreground_mask(labels),
                coarse,
                use_raw_only,
            )
            results.append(coarse)
        return results

    def forward(self, window: Tensor, previous: Union[Tensor, list[Tensor]], use_raw_only: bool = False) -> dict[str, Tensor]:
        """See the class docstring."""
        if isinstance(previous, Tensor):
            previous = self.pyramid(previous)
        results = self.step(window, previous, use_raw_only=use_raw_only)
        finest = results[-1]
        out = {"prediction": finest.image, "raw": finest.raw}
        if finest.flow is not None:
            out["flow"], out["weight"] = finest.flow, finest.weight
        out.update({f"scale{s}": r.image for s, r in enumerate(results)})
        return out
