"""The per-scale networks of the official vid2vid generator, with the official state-dict layout.

``CompositeGenerator`` is the coarsest scale (index 0) and ``CompositeLocalGenerator`` every finer scale,
exactly as ``latest_net_G<s>.pth`` stores them. Each predicts, from the label window and the previous
frames of its scale,

* a hallucinated image ``img_raw`` (tanh, ``[-1, 1]``),
* a backward flow to the newest previous frame, in pixels of its scale (``20 * 2**s`` times the raw output),
* a blend weight in ``(0, 1)`` (the weight of the hallucinated image),

and composes ``img_final = img_raw * weight + warp(prev_newest, flow) * (1 - weight)``. With the
foreground model, a separate branch hallucinates ``img_fg`` and the foreground mask overrides both images:
``img = img_fg * mask + img * (1 - mask)``. The warp is bilinear with border padding; its grid is built
as the official code builds it (``linspace``, flows divided by the half-extent ``(size - 1) / 2``, see
:mod:`motionkit.ops.grid`) and sampled with ``align_corners`` (``True`` for the released models; ``False`` is
what the unmodified official code does on PyTorch >= 1.3). Finer scales add the coarser scale's image-trunk, flow-trunk and
foreground features to their own encoder output. Images are in ``[-1, 1]`` (the official range).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Optional

from torch import Tensor, nn

from motionkit.nn.norm import NormSpec
from motionkit.ops.grid import flow_to_grid
from motionkit.ops.warp import warp_by_grid
from motionkit.nn.resnet_block import ResnetBlock


@dataclass
class ScaleResult:
    """What one scale returns. Images ``(B, 3, h, w)`` in ``[-1, 1]``; flow ``(B, 2, h, w)`` in pixels;
    weight ``(B, 1, h, w)``; ``*_features`` feed the next finer scale (``None`` where absent)."""

    image: Tensor
    raw: Tensor
    flow: Optional[Tensor]
    weight: Optional[Tensor]
    image_features: Tensor
    flow_features: Optional[Tensor]
    foreground_features: Optional[Tensor]


def _stem(in_channels: int, channels: int, norm: NormSpec) -> list[nn.Module]:
    return [nn.ReflectionPad2d(3), nn.Conv2d(in_channels, channels, kernel_size=7, padding=0), norm.layer(channels), nn.ReLU(True)]


def _down(channels: int, norm: NormSpec) -> list[nn.Module]:
    return [nn.Conv2d(channels, channels * 2, kernel_size=3, stride=2, padding=1), norm.layer(channels * 2), nn.ReLU(True)]


def _up(channels: int, norm: NormSpec) -> list[nn.Module]:
    return [
        nn.ConvTranspose2d(channels, channels // 2, kernel_size=3, stride=2, padding=1, output_padding=1),
        norm.layer(channels // 2),
        nn.ReLU(True),
    ]


def _head(channels: int, out_channels: int, activation: Optional[nn.Module]) -> nn.Sequential:
    layers = [nn.ReflectionPad2d(3), nn.Conv2d(channels, out_channels, kernel_size=7, padding=0)]
    return nn.Sequential(*layers, *([activation] if activation is not None else []))


def _blocks(channels: int, count: int, norm: NormSpec) -> list[nn.Module]:
    return [ResnetBlock(channels, norm=norm) for _ in range(count)]


class _CompositeBase(nn.Module):
    """Heads and composition shared by both scale networks."""

    flow_multiplier: float
    use_foreground: bool
    use_flow: bool
    align_corners: bool

    def _compose(
        self,
        image_features: Tensor,
        flow_features: Optional[Tensor],
        previous: Tensor,
        mask: Optional[Tensor],
        foreground_features: Optional[Tensor],
        use_raw_only: bool,
    ) -> ScaleResult:
        raw = self.model_final_img(image_features)
        flow = weight = None
        image = raw
        if self.use_flow:
            flow = self.model_final_flow(flow_features) * self.flow_multiplier
            weight = self.model_final_w(flow_features)
            if not use_raw_only:
                # the official grid (pixel units of align_corners=True) sampled under ``align_corners``, in float32
                # also for reduced-precision networks (a bfloat16 grid is off by up to ~1 px at 512 px)
                grid = flow_to_grid(flow.float(), align_corners=True)
                warped = warp_by_grid(
                    previous[:, -3:].float(), grid, align_corners=self.align_corners, padding_mode="border"
                ).to(raw.dtype)
                blend = weight.expand_as(raw)
                image = raw * blend + warped * (1 - blend)
        if self.use_foreground:
            if mask is None:
                raise ValueError("the foreground model needs a foreground mask (B, 1, h, w)")
            foreground = self.indv_final(foreground_features)
            mask = mask.expand_as(raw)
            image = foreground * mask + image * (1 - mask)
            raw = foreground * mask + raw * (1 - mask)
        return ScaleResult(image, raw, flow, weight, image_features, flow_features, foreground_features)


class CompositeGenerator(_CompositeBase):
    """Scale 0 (coarsest) of the vid2vid generator, official key layout (``latest_net_G0.pth``).

    ``input_nc``: channels of the label window (frames x per-frame channels); ``prev_nc``: channels of the
    previous frames (``(n_frames_G - 1) * output_nc``). ``n_blocks`` residual blocks are split as the
    official code does: ``n_blocks - n_blocks // 2`` in each encoder, ``n_blocks // 2`` in each trunk.
    """

    def __init__(
        self,
        input_nc: int,
        prev_nc: int,
        output_nc: int,
        ngf: int,
        n_downsample: int,
        n_blocks: int,
        norm: NormSpec,
        *,
        use_foreground: bool,
        use_flow: bool = True,
        align_corners: bool = True,
    ) -> None:
        super().__init__()
        self.flow_multiplier = 20.0
        self.use_foreground, self.use_flow, self.align_corners = use_foreground, use_flow, align_corners
        deep = ngf * 2**n_downsample
        if use_foreground:
            ngf_fg = ngf // 2 if n_downsample > 2 else ngf
            indv_down = _stem(input_nc, ngf_fg, norm)
            for i in range(n_downsample):
                indv_down += _down(ngf_fg * 2**i, norm)
            self.indv_down = nn.Sequential(*indv_down)
            self.indv_res = nn.Sequential(*_blocks(ngf_fg * 2**n_downsample, n_blocks, norm))
            self.indv_up = nn.Sequential(*[m for i in range(n_downsample) for m in _up(ngf_fg * 2 ** (n_downsample - i), norm)])
            self.indv_final = _head(ngf_fg, output_nc, nn.Tanh())
        encoder_tail: list[nn.Module] = []
        for i in range(n_downsample):
            encoder_tail += _down(ngf * 2**i, norm)
        encoder_tail += _blocks(deep, n_blocks - n_blocks // 2, norm)
        self.model_down_seg = nn.Sequential(*_stem(input_nc, ngf, norm), *encoder_tail)
        self.model_down_img = nn.Sequential(*_stem(prev_nc, ngf, norm), *copy.deepcopy(encoder_tail))
        self.model_res_img = nn.Sequential(*_blocks(deep, n_blocks // 2, norm))
        self.model_up_img = nn.Sequential(*[m for i in range(n_downsample) for m in _up(ngf * 2 ** (n_downsample - i), norm)])
        self.model_final_img = _head(ngf, output_nc, nn.Tanh())
        if use_flow:
            self.model_res_flow = copy.deepcopy(self.model_res_img)
            self.model_up_flow = copy.deepcopy(self.model_up_img)
            self.model_final_flow = _head(ngf, 2, None)
            self.model_final_w = _head(ngf, 1, nn.Sigmoid())

    def forward(
        self,
        labels: Tensor,
        previous: Tensor,
        mask: Optional[Tensor] = None,
        coarse: Optional[ScaleResult] = None,
        use_raw_only: bool = False,
    ) -> ScaleResult:
        """``labels (B, input_nc, h, w)``, ``previous (B, prev_nc, h, w)`` oldest first, ``mask (B, 1, h, w)``.

        ``coarse`` must be ``None`` (scale 0 has no coarser scale); ``use_raw_only`` skips warping."""
        if coarse is not None:
            raise ValueError("CompositeGenerator is the coarsest scale and takes no coarse features")
        encoded = self.model_down_seg(labels) + self.model_down_img(previous)
        image_features = self.model_up_img(self.model_res_img(encoded))
        flow_features = self.model_up_flow(self.model_res_flow(encoded)) if self.use_flow else None
        foreground_features = (
            self.indv_up(self.indv_res(self.indv_down(labels))) if self.use_foreground else None
        )
        return self._compose(image_features, flow_features, previous, mask, foreground_features, use_raw_only)


class CompositeLocalGenerator(_CompositeBase):
    """Scale ``s >= 1`` of the vid2vid generator, official key layout (``latest_net_G<s>.pth``).

    One stride-2 encoder per input, ``n_blocks_local`` residual blocks then one upsampling layer per trunk;
    the coarser scale's features are added at the residual stage. Flows are ``20 * 2**scale`` times the head.
    """

    def __init__(
        self,
        input_nc: int,
        prev_nc: int,
        output_nc: int,
        ngf: int,
        n_downsample: int,
        n_blocks_local: int,
        norm: NormSpec,
        *,
        scale: int,
        use_foreground: bool,
        use_flow: bool = True,
        align_corners: bool = True,
    ) -> None:
        super().__init__()
        if scale < 1:
            raise ValueError(f"CompositeLocalGenerator is for scales >= 1, got scale={scale}")
        self.flow_multiplier = 20.0 * 2**scale
        self.use_foreground, self.use_flow, self.align_corners = use_foreground, use_flow, align_corners
        if use_foreground:
            ngf_fg = ngf // 2 if n_downsample > 2 else ngf
            self.indv_down = nn.Sequential(*_stem(input_nc, ngf_fg, norm), *_down(ngf_fg, norm))
            self.indv_up = nn.Sequential(*_blocks(ngf_fg * 2, n_blocks_local, norm), *_up(ngf_fg * 2, norm))
            self.indv_final = _head(ngf_fg, output_nc, nn.Tanh())
        self.model_down_seg = nn.Sequential(*_stem(input_nc, ngf, norm), *_down(ngf, norm))
        self.model_down_img = nn.Sequential(*_stem(prev_nc, ngf, norm), *_down(ngf, norm))
        self.model_up_img = nn.Sequential(*_blocks(ngf * 2, n_blocks_local, norm), *_up(ngf * 2, norm))
        self.model_final_img = _head(ngf, output_nc, nn.Tanh())
        if use_flow:
            self.model_up_flow = copy.deepcopy(self.model_up_img)
            self.model_final_flow = _head(ngf, 2, None)
            self.model_final_w = _head(ngf, 1, nn.Sigmoid())

    def forward(
        self,
        labels: Tensor,
        previous: Tensor,
        mask: Optional[Tensor] = None,
        coarse: Optional[ScaleResult] = None,
        use_raw_only: bool = False,
    ) -> ScaleResult:
        """As :meth:`CompositeGenerator.forward`; ``coarse`` is the next coarser scale's result (required)."""
        if coarse is None:
            raise ValueError("CompositeLocalGenerator needs the coarser scale's result (coarse=...)")
        encoded = self.model_down_seg(labels) + self.model_down_img(previous)
        image_features = self.model_up_img(encoded + coarse.image_features)
        flow_features = self.model_up_flow(encoded + coarse.flow_features) if self.use_flow else None
        foreground_features = (
            self.indv_up(self.indv_down(labels) + coarse.foreground_features) if self.use_foreground else None
        )
        return self._compose(image_features, flow_features, previous, mask, foreground_features, use_raw_only)
