"""The pix2pixHD generator as a configurable component: global (G1) or coarse-to-fine (G1 + local enhancers),
optionally with the instance-wise feature encoder E.

Official checkpoints load directly into :attr:`Pix2PixHDGenerator.generator` (``latest_net_G.pth``) and
:attr:`Pix2PixHDGenerator.encoder` (``latest_net_E.pth``): see :mod:`motionkit.nn.pix2pixhd_official`.
"""
from __future__ import annotations

from typing import Literal, Optional

import torch
from pydantic import Field

from motionkit.conditions.instance_edges import instance_edges
from motionkit.conditions.semantic import one_hot_labels
from motionkit.errors import InputError
from motionkit.interfaces import Config, Generator

from .feature_encoder import FeatureEncoder
from .global_generator import GlobalGenerator
from .local_enhancer import LocalEnhancer
from .norm import NormName
from .resnet_block import PaddingType


def pix2pixhd_condition(labels: torch.Tensor, instances: Optional[torch.Tensor], num_classes: int) -> torch.Tensor:
    """The official generator input: ``[one-hot(labels), instance edges]``.

    labels: ``(B, H, W)`` integer class ids in ``[0, num_classes)``; instances: ``(B, H, W)`` integer ids or
    ``None`` (no edge channel, as ``--no_instance``). Returns ``(B, num_classes [+ 1], H, W)`` float32.
    """
    one_hot = one_hot_labels(labels, num_classes)
    if instances is None:
        return one_hot
    if instances.shape != labels.shape:
        raise InputError(f"instances {tuple(instances.shape)} must have the shape of labels {tuple(labels.shape)}")
    return torch.cat([one_hot, instance_edges(instances)], dim=1)


class Pix2PixHDGenerator(Generator):
    """pix2pixHD generator (Wang et al., CVPR 2018), global or coarse-to-fine.

    ``forward(condition, instances=None, image=None, features=None)``:

    * ``condition`` ``(B, condition_channels, H, W)``: e.g. :func:`pix2pixhd_condition` (one-hot labels and
      instance edges) or any other map;
    * with ``feature_channels > 0`` the input also gets per-instance features: given as ``features``
      ``(B, feature_channels, H, W)``, or encoded from ``image`` ``(B, 3, H, W)`` in [0, 1] and
      ``instances`` ``(B, H, W)`` by the encoder.

    Returns ``prediction`` ``(B, output_channels, H, W)`` in [0, 1], ``prediction_signed`` (the network's
    tanh output in [-1, 1]), ``features`` (when used) and, for ``net="local"``, ``global_features`` (the
    global part's output at ``1 / 2**n_local_enhancers`` resolution). ``H`` and ``W`` must be divisible by
    ``2 ** (n_downsample_global + n_local_enhancers)`` (local) or ``2 ** n_downsample_global`` (global).
    """

    name = "pix2pixhd"

    class Config(Config):
        net: Literal["global", "local"] = Field("global", description="G1 alone, or G1 + local enhancers")
        condition_channels: int = Field(36, ge=1, description="input channels without features (35 labels + edge)")
        output_channels: int = Field(3, ge=1)
        ngf: int = Field(64, ge=1, description="filters of the finest stage (official --ngf)")
        n_downsample_global: int = Field(4, ge=0)
        n_blocks_global: int = Field(9, ge=0)
        n_local_enhancers: int = Field(1, ge=1, description="used when net='local'")
        n_blocks_local: int = Field(3, ge=0)
        norm: NormName = "instance"
        padding: PaddingType = "reflect"
        feature_channels: int = Field(0, ge=0, description="per-instance feature channels (official --feat_num)")
        encoder: bool = Field(True, description="build the feature encoder E when feature_channels > 0")
        encoder_ngf: int = Field(16, ge=1, description="official --nef")
        encoder_downsample: int = Field(4, ge=0, description="official --n_downsample_E")

    def __init__(self, config: Optional[Config] = None, **params) -> None:
        super().__init__(config, **params)
        c = self.config
        input_nc = c.condition_channels + c.feature_channels
        if c.net == "global":
            self.generator = GlobalGenerator(
                input_nc, c.output_channels, c.ngf, c.n_downsample_global, c.n_blocks_global, c.norm, c.padding
            )
            self.size_multiple = 2**c.n_downsample_global
        else:
            self.generator = LocalEnhancer(
                input_nc, c.output_channels, c.ngf, c.n_downsample_global, c.n_blocks_global,
                c.n_local_enhancers, c.n_blocks_local, c.norm, c.padding,
            )
            self.size_multiple = 2 ** (c.n_downsample_global + c.n_local_enhancers)
        self.encoder = (
            FeatureEncoder(c.output_channels, c.feature_channels, c.encoder_ngf, c.encoder_downsample, c.norm)
            if c.feature_channels and c.encoder
            else None
        )

    def encode_features(self, image: torch.Tensor, instances: torch.Tensor) -> torch.Tensor:
        """Per-instance features ``(B, feature_channels, H, W)`` of ``image`` ``(B, 3, H, W)`` in [0, 1]."""
        if self.encoder is None:
            raise InputError("this pix2pixhd generator has no feature encoder (feature_channels=0 or encoder=False)")
        return self.encoder(image * 2 - 1, instances)

    def forward(
        self,
        condition: torch.Tensor,
        instances: Optional[torch.Tensor] = None,
        image: Optional[torch.Tensor] = None,
        features: Optional[torch.Tensor] = None,
    ) -> dict[str, torch.Tensor]:
        c = self.config
        if condition.dim() != 4 or condition.shape[1] != c.condition_channels:
            raise InputError(
                f"condition must have shape (B, {c.condition_channels}, H, W), got {tuple(condition.shape)}"
            )
        h, w = condition.shape[-2:]
        if h % self.size_multiple or w % self.size_multiple:
            raise InputError(f"condition height and width must be multiples of {self.size_multiple}, got {h}x{w}")
        out: dict[str, torch.Tensor] = {}
        inputs = condition
        if c.feature_channels:
            if features is None:
                if image is None or instances is None:
                    raise InputError("feature_channels > 0: pass features, or image and instances to encode them")
                features = self.encode_features(image, instances)
            if features.shape != (condition.shape[0], c.feature_channels, h, w):
                raise InputError(
                    f"features must have shape {(condition.shape[0], c.feature_channels, h, w)}, "
                    f"got {tuple(features.shape)}"
                )
            out["features"] = features
            inputs = torch.cat([condition, features.to(condition.dtype)], dim=1)
        if isinstance(self.generator, LocalEnhancer):
            signed, out["global_features"] = self.generator.forward_with_global(inputs)
        else:
            signed = self.generator(inputs)
        out["prediction_signed"] = signed
        out["prediction"] = (signed + 1) / 2
        return out
