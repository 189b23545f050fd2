"""Loading official first-order-model checkpoints (``vox-cpk.pth.tar``, ``taichi-cpk.pth.tar``, ...).

The official YAML's ``model_params`` sections map 1:1 onto :class:`FirstOrderConfig` (and its
``train_params`` loss entries onto ``loss_params``). The checkpoint is read with
:func:`motionkit.checkpoint.load_official` (a pickle that would run code is refused); its ``generator``
and ``kp_detector`` sections are required, ``discriminator`` is loaded when present; ``module.``
prefixes (DataParallel) are removed; every section must match the model key for key and shape for shape.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Optional

import torch

import motionkit as mk
from motionkit.checkpoint import load_official, load_state_strict, strip_prefix
from motionkit.configfile import load_mapping

MODEL_SECTIONS = ("common_params", "kp_detector_params", "generator_params", "discriminator_params")
LOSS_ENTRIES = ("scales", "transform_params", "loss_weights")
REQUIRED_STATES = ("generator", "kp_detector")


def official_config_params(config: Path) -> dict[str, Any]:
    """The method parameters of an official YAML: its ``model_params`` plus the loss entries of ``train_params``."""
    data = load_mapping(config)
    model = data.get("model_params")
    if not isinstance(model, Mapping):
        raise mk.ConfigError(f"{config}: not an official first-order config: no 'model_params' mapping")
    params: dict[str, Any] = dict(model)
    train = data.get("train_params")
    if isinstance(train, Mapping):
        loss = {k: train[k] for k in LOSS_ENTRIES if k in train}
        if loss:
            params["loss_params"] = loss
    return params


def _state_section(state: Mapping, section: str, path: Path) -> dict[str, torch.Tensor]:
    value = state.get(section)
    if not isinstance(value, Mapping):
        raise mk.CheckpointError(
            f"{path}: section '{section}' is {'missing' if value is None else type(value).__name__}; an official "
            f"first-order checkpoint holds state dicts under {', '.join(REQUIRED_STATES)} (and discriminator)"
        )
    bad = [k for k, v in value.items() if not isinstance(v, torch.Tensor)]
    if bad:
        raise mk.CheckpointError(f"{path}: section '{section}' has non-tensor entries: {', '.join(map(str, bad[:5]))}")
    return strip_prefix(value, "module.")


def load_official_first_order(cls: type, checkpoint: Path, config: Optional[Path]):
    """Build ``cls`` (a :class:`FirstOrder`) from an official config and checkpoint, in eval mode."""
    checkpoint = Path(checkpoint)
    if config is None:
        raise mk.ConfigError(
            f"{checkpoint}: an official first-order checkpoint needs its official YAML config "
            "(e.g. --config vox-256.yaml from the first-order-model repository)"
        )
    method = cls(cls.build_config(official_config_params(Path(config)), source=str(config)))
    state = load_official(checkpoint)
    if not isinstance(state, Mapping):
        raise mk.CheckpointError(f"{checkpoint}: expected a dict of state dicts, got {type(state).__name__}")
    for section in REQUIRED_STATES:
        load_state_strict(getattr(method, section), _state_section(state, section, checkpoint),
                          source=f"{checkpoint} [{section}]")
    if "discriminator" in state:
        load_state_strict(method.discriminator, _state_section(state, "discriminator", checkpoint),
                          source=f"{checkpoint} [discriminator]")
    return method.eval()
