"""The single-image generators that make the first frames of a video (official ``--use_single_G``).

The released models start each video with frames from a separate image generator trained on single
frames; the official code hard-codes which one by dataset and ``loadSize``:

| dataset | loadSize | network (official) | file |
|---|---|---|---|
| Cityscapes | 512 | pix2pixHD ``GlobalGenerator(35, 3, ngf 64, 3 downsamplings)`` | ``label2city_single/latest_net_G_512.pth`` |
| Cityscapes | 1024 | ``GlobalGenerator(35, 3, ngf 64, 4 downsamplings)`` | ``label2city_single/latest_net_G_1024.pth`` |
| Cityscapes | 2048 | ``LocalEnhancer(35, 3, ngf 32, 4 downsamplings)`` | ``label2city_single/latest_net_G_2048.pth`` |
| faces | any | :class:`GlobalWithZ` ``(15, 3, nz 16, ngf 64)`` + feature encoder ``(3, 16, ngf 16)`` | ``edge2face_single/latest_net_G.pth``, ``latest_net_E.pth``, ``features.npy`` |

The face generator's ``z`` comes from the encoder and a nearest-neighbour lookup in the training features
(:mod:`motionkit_vid2vid.face_first_frame`); :func:`load_first_frame_generator` builds either kind from the
official files.

All use instance normalisation *with* running statistics (``track_running_stats=True``), so their files
hold ``running_mean``/``running_var`` keys; the official test never calls ``eval()``, so those statistics
are never used (the pipeline's ``"official"`` mode does the same). The pix2pixHD networks are the core's
(:mod:`motionkit.nn`); only :class:`GlobalWithZ`, which exists in vid2vid alone, is defined here.
"""
from __future__ import annotations

import os
from typing import Literal, Optional, Union

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from motionkit.nn import FeatureEncoder, GlobalGenerator, LocalEnhancer, NormSpec, ResnetBlock

SingleFrameKind = Literal["label2city_512", "label2city_1024", "label2city_2048", "edge2face"]
SINGLE_FRAME_KINDS: tuple[str, ...] = ("label2city_512", "label2city_1024", "label2city_2048", "edge2face")

#: the official single-image generators' normalisation
SINGLE_FRAME_NORM = NormSpec(feature="instance", track_running_stats=True)


class GlobalWithZ(nn.Module):
    """vid2vid's ``Global_with_z`` (official key layout): a global generator whose input, bottleneck,
    first upsampling layer and head also receive a feature map ``z``.

    ``forward(x (B, input_nc, H, W), z (B, nz, H, W)) -> (B, output_nc, H, W)`` in ``[-1, 1]``; ``z`` is
    pooled to the bottleneck size with the official ``AvgPool2d(3, 2, 1, count_include_pad=False)``.
    Channel counts are capped at 1024 as in the official code.
    """

    def __init__(
        self, input_nc: int, output_nc: int, nz: int, ngf: int = 64, n_downsample: int = 3, n_blocks: int = 9,
        norm: NormSpec = SINGLE_FRAME_NORM,
    ) -> None:
        super().__init__()
        cap = 1024
        self.n_downsample = n_downsample
        down: list[nn.Module] = [
            nn.ReflectionPad2d(3), nn.Conv2d(input_nc + nz, ngf, kernel_size=7, padding=0), norm.layer(ngf), nn.ReLU(True)
        ]
        for i in range(n_downsample):
            a, b = min(ngf * 2**i, cap), min(ngf * 2 ** (i + 1), cap)
            down += [nn.Conv2d(a, b, kernel_size=3, stride=2, padding=1), norm.layer(b), nn.ReLU(True)]
        deep = min(ngf * 2**n_downsample, cap)
        up: list[nn.Module] = []
        for i in range(n_downsample):
            channels = ngf * 2 ** (n_downsample - i)
            a = min(channels, cap) + (2 * nz if i == 0 else 0)
            b = min(channels // 2, cap)
            up += [nn.ConvTranspose2d(a, b, kernel_size=3, stride=2, padding=1, output_padding=1), norm.layer(b), nn.ReLU(True)]
        self.model_downsample = nn.Sequential(*down)
        self.model_resnet = nn.Sequential(*[ResnetBlock(deep + nz, norm=norm) for _ in range(n_blocks)])
        self.model_upsample = nn.Sequential(*up)
        self.model_upsample_conv = nn.Sequential(
            nn.ReflectionPad2d(3), nn.Conv2d(ngf + nz, output_nc, kernel_size=7), nn.Tanh()
        )

    def forward(self, x: Tensor, z: Tensor) -> Tensor:
        z_small = z
        for _ in range(self.n_downsample):
            z_small = F.avg_pool2d(z_small, 3, stride=2, padding=1, count_include_pad=False)
        down = self.model_downsample(torch.cat([x, z], dim=1))
        deep = self.model_resnet(torch.cat([down, z_small], dim=1))
        up = self.model_upsample(torch.cat([deep, z_small], dim=1))
        return self.model_upsample_conv(torch.cat([up, z], dim=1))


def official_single_frame_networks(kind: SingleFrameKind) -> dict[str, nn.Module]:
    """The official single-image networks of ``kind``: ``{"G": generator}`` plus ``{"E": encoder}`` for faces.

    File names are in the module docstring; load each with
    :func:`motionkit_vid2vid.official.load_official_state`."""
    if kind == "label2city_512":
        return {"G": GlobalGenerator(35, 3, 64, 3, 9, norm=SINGLE_FRAME_NORM)}
    if kind == "label2city_1024":
        return {"G": GlobalGenerator(35, 3, 64, 4, 9, norm=SINGLE_FRAME_NORM)}
    if kind == "label2city_2048":
        return {"G": LocalEnhancer(35, 3, 32, 4, 9, 1, 3, norm=SINGLE_FRAME_NORM)}
    if kind == "edge2face":
        return {
            "G": GlobalWithZ(15, 3, 16, 64, 3, 9, norm=SINGLE_FRAME_NORM),
            "E": FeatureEncoder(3, 16, 16, 4, norm=SINGLE_FRAME_NORM),
        }
    raise ValueError(f"unknown single-frame generator {kind!r}; choose one of {', '.join(SINGLE_FRAME_KINDS)}")


def load_first_frame_generator(
    kind: SingleFrameKind, generator: Union[str, os.PathLike], *, encoder: Optional[Union[str, os.PathLike]] = None,
    features: Optional[Union[str, os.PathLike]] = None,
) -> nn.Module:
    """The official single-image generator of ``kind`` loaded strictly from its files, ready for
    :class:`~motionkit_vid2vid.pipeline.Vid2VidPipeline`'s ``first_frame_generator``.

    ``label2city_*``: ``generator`` is the ``latest_net_G_<size>.pth`` file. ``edge2face``: a
    :class:`~motionkit_vid2vid.face_first_frame.FaceFirstFrameGenerator` from ``generator``
    (``latest_net_G.pth``), ``encoder`` (``latest_net_E.pth``) and ``features`` (``features.npy``); the last
    two default to their official names beside ``generator``, and a missing one is named in the error."""
    from .official import load_official_state

    if kind == "edge2face":
        from .face_first_frame import FaceFirstFrameGenerator

        return FaceFirstFrameGenerator.from_official(generator, encoder, features)
    if encoder is not None or features is not None:
        raise ValueError(f"single-frame generator {kind!r} takes no encoder or features file (only edge2face does)")
    network = official_single_frame_networks(kind)["G"]
    load_official_state(network, generator)
    return network
