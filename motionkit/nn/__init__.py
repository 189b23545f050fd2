"""Shared networks: norm layers, pix2pixHD generators and encoder, discriminators, VGG19 features."""

from motionkit.nn.blocks import DownBlock2d, ResBlock2d, SameBlock2d, UpBlock2d
from motionkit.nn.feature_encoder import FeatureEncoder
from motionkit.nn.global_generator import GlobalGenerator, global_generator_layers
from motionkit.nn.hourglass import Decoder, Encoder, Hourglass
from motionkit.nn.instance_pooling import instance_average
from motionkit.nn.keypoint_discriminator import KeypointDiscriminator
from motionkit.nn.local_enhancer import LocalEnhancer
from motionkit.nn.matmul_conv import conv3x3, conv3x3_matmul, is_plain_conv3x3, prefers_matmul
from motionkit.nn.norm import NORM_NAMES, NormSpec, as_norm_spec
from motionkit.nn.patch_discriminator import MultiscalePatchDiscriminator, NLayerDiscriminator, patch_discriminator_layers
from motionkit.nn.pix2pixhd import Pix2PixHDGenerator, pix2pixhd_condition
from motionkit.nn.pix2pixhd_official import (
    config_from_official_options,
    drop_untracked_norm_stats,
    load_official_pix2pixhd,
    pix2pixhd_from_official,
)
from motionkit.nn.resnet_block import ResnetBlock
from motionkit.nn.temporal_discriminator import TemporalDiscriminator
from motionkit.nn.upsample_conv import upsample_conv3x3, upsample_conv_transposed_weight
from motionkit.nn.vgg19 import VGG19Features, find_vgg19_weights, load_vgg19_state

COMPONENTS = (
    MultiscalePatchDiscriminator,
    Pix2PixHDGenerator,
    TemporalDiscriminator,
    KeypointDiscriminator,
)

__all__ = [
    "Decoder",
    "DownBlock2d",
    "Encoder",
    "Hourglass",
    "KeypointDiscriminator",
    "ResBlock2d",
    "SameBlock2d",
    "UpBlock2d",
    "COMPONENTS",
    "FeatureEncoder",
    "GlobalGenerator",
    "LocalEnhancer",
    "MultiscalePatchDiscriminator",
    "NLayerDiscriminator",
    "NORM_NAMES",
    "NormSpec",
    "Pix2PixHDGenerator",
    "ResnetBlock",
    "TemporalDiscriminator",
    "VGG19Features",
    "as_norm_spec",
    "config_from_official_options",
    "conv3x3",
    "conv3x3_matmul",
    "drop_untracked_norm_stats",
    "find_vgg19_weights",
    "global_generator_layers",
    "instance_average",
    "is_plain_conv3x3",
    "load_official_pix2pixhd",
    "load_vgg19_state",
    "patch_discriminator_layers",
    "pix2pixhd_condition",
    "pix2pixhd_from_official",
    "prefers_matmul",
    "upsample_conv3x3",
    "upsample_conv_transposed_weight",
]
