"""Loading official pix2pixHD checkpoints (``latest_net_G.pth``, ``latest_net_E.pth``) into
:class:`~motionkit.nn.pix2pixhd.Pix2PixHDGenerator`.

The files are plain state dicts (``torch.save(net.state_dict())``) and are read safely
(:func:`motionkit.checkpoint.load_official`). Checkpoints written by old PyTorch versions carry
``running_mean``/``running_var`` buffers for ``InstanceNorm2d`` layers that have no running statistics;
those keys are dropped (the official loader ignores them too), every other key must match exactly.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Optional, Union

import torch
from torch import nn

from motionkit.checkpoint import load_official, load_state_strict, strip_prefix
from motionkit.errors import CheckpointError

from .pix2pixhd import Pix2PixHDGenerator

PathLike = Union[str, Path]
_NORM_STATS = ("running_mean", "running_var", "num_batches_tracked")


def config_from_official_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """``Pix2PixHDGenerator`` parameters from official pix2pixHD options (``opt`` as a dict, e.g. the
    ``options`` of an ``opt.txt``/``options.json``); unknown options are ignored, missing ones take the
    official defaults."""
    opt = dict(options)
    label_nc = int(opt.get("label_nc", 35))
    condition = label_nc if label_nc != 0 else int(opt.get("input_nc", 3))
    if not opt.get("no_instance", False):
        condition += 1
    use_features = bool(opt.get("instance_feat", False) or opt.get("label_feat", False))
    net = opt.get("netG", "global")
    if net not in ("global", "local"):
        raise CheckpointError(f"official option netG={net!r} is not a pix2pixHD generator (global or local)")
    return {
        "net": net,
        "condition_channels": condition,
        "output_channels": int(opt.get("output_nc", 3)),
        "ngf": int(opt.get("ngf", 64)),
        "n_downsample_global": int(opt.get("n_downsample_global", 4)),
        "n_blocks_global": int(opt.get("n_blocks_global", 9)),
        "n_local_enhancers": int(opt.get("n_local_enhancers", 1)),
        "n_blocks_local": int(opt.get("n_blocks_local", 3)),
        "norm": opt.get("norm", "instance"),
        "feature_channels": int(opt.get("feat_num", 3)) if use_features else 0,
        "encoder": use_features and not opt.get("load_features", False),
        "encoder_ngf": int(opt.get("nef", 16)),
        "encoder_downsample": int(opt.get("n_downsample_E", 4)),
    }


def drop_untracked_norm_stats(module: nn.Module, state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """``state`` without running-statistics keys of norm layers in ``module`` that keep none (legacy
    ``InstanceNorm2d`` checkpoints); every other key is kept, so strict loading still catches mismatches."""
    untracked = {
        name
        for name, layer in module.named_modules()
        if isinstance(layer, nn.modules.batchnorm._NormBase) and not layer.track_running_stats
    }
    kept = {}
    for key, value in state.items():
        owner, _, leaf = key.rpartition(".")
        if leaf in _NORM_STATS and owner in untracked:
            continue
        kept[key] = value
    return kept


def load_official_state(module: nn.Module, path: PathLike) -> None:
    """Load one official pix2pixHD network file (``latest_net_<G|E>.pth``) strictly into ``module``."""
    state = load_official(path)
    if not isinstance(state, Mapping) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"{path}: expected a state dict of tensors (official save_network format)")
    state = drop_untracked_norm_stats(module, strip_prefix(dict(state)))
    load_state_strict(module, state, source=str(path))


def load_official_pix2pixhd(
    generator: Pix2PixHDGenerator, generator_path: PathLike, encoder_path: Optional[PathLike] = None
) -> Pix2PixHDGenerator:
    """Load ``latest_net_G.pth`` (and ``latest_net_E.pth`` when the generator has an encoder) in place."""
    load_official_state(generator.generator, generator_path)
    if generator.encoder is not None:
        if encoder_path is None:
            raise CheckpointError(
                f"{generator_path}: this generator uses encoded features; also pass the encoder file latest_net_E.pth"
            )
        load_official_state(generator.encoder, encoder_path)
    elif encoder_path is not None:
        raise CheckpointError(f"{encoder_path}: given an encoder file, but the generator has no feature encoder")
    return generator


def pix2pixhd_from_official(
    options: Mapping[str, Any], generator_path: PathLike, encoder_path: Optional[PathLike] = None
) -> Pix2PixHDGenerator:
    """Build the generator the official ``options`` describe and load its official checkpoint file(s)."""
    generator = Pix2PixHDGenerator(**config_from_official_options(options))
    return load_official_pix2pixhd(generator, generator_path, encoder_path)
