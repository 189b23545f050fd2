"""Official vid2vid checkpoints: per-scale generator files and the options that describe them.

The official code saves one file per spatial scale, ``<epoch>_net_G<s>.pth`` (``latest_net_G0.pth`` is the
coarsest scale), each a plain ``state_dict``. They are read with :func:`motionkit.checkpoint.load_official`
(no code runs while unpickling) and loaded strictly: a missing, unexpected or mis-shaped key is an error
that names the file and the key. The only tolerated difference is a missing ``num_batches_tracked``
(checkpoints written by PyTorch 0.4.0 lack it; its value does not affect any output).

Options are the official command-line options (``opt.txt`` in the checkpoint folder, or a JSON/YAML
mapping with the same names); :func:`generator_config` turns them into a
:class:`~motionkit_vid2vid.sequence_generator.Vid2VidGenerator` config.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping, Union

import torch
import yaml
from torch import nn

from motionkit.checkpoint import load_official, load_state_strict, strip_prefix
from motionkit.errors import CheckpointError, ConfigError

from .sequence_generator import Vid2VidGenerator

PathLike = Union[str, Path]

#: official option defaults (options/base_options.py, options/test_options.py) for the options used here
OFFICIAL_DEFAULTS: dict[str, Any] = {
    "netG": "composite",
    "ngf": 128,
    "n_downsample_G": 3,
    "n_blocks": 9,
    "n_blocks_local": 3,
    "n_scales_spatial": 1,
    "n_frames_G": 3,
    "label_nc": 0,
    "input_nc": 3,
    "output_nc": 3,
    "use_instance": False,
    "fg": False,
    "fg_labels": [26],
    "no_flow": False,
    "norm": "batch",
}


def read_options(path: PathLike) -> dict[str, Any]:
    """Official options from ``opt.txt`` (``name: value`` lines as the official code writes them), or a JSON or
    YAML mapping (an ``"options"`` sub-mapping is used when present, as in the parity fixtures)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: official options file not found")
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".txt":
        options: dict[str, Any] = {}
        for line in text.splitlines():
            if ":" not in line or line.startswith("-"):
                continue
            key, value = (part.strip() for part in line.split(":", 1))
            try:
                options[key] = yaml.safe_load(value.split("\t")[0].strip())
            except yaml.YAMLError:
                options[key] = value
        return options
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: not a readable options file: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of official options, got {type(data).__name__}")
    return dict(data.get("options", data))


def generator_config(options: Mapping[str, Any], *, align_corners: bool = True) -> Vid2VidGenerator.Config:
    """The generator config equivalent to official options (missing options take the official defaults)."""
    o = {**OFFICIAL_DEFAULTS, **options}
    if o["netG"] != "composite":
        raise ConfigError(f"official option netG={o['netG']!r} is not supported (only 'composite')")
    if isinstance(o["fg_labels"], str):
        o["fg_labels"] = [int(v) for v in o["fg_labels"].split(",")]
    label_nc = int(o["label_nc"])
    frame_channels = (label_nc if label_nc != 0 else int(o["input_nc"])) + (1 if o["use_instance"] else 0)
    return Vid2VidGenerator.Config(
        frame_channels=frame_channels,
        output_nc=int(o["output_nc"]),
        n_frames=int(o["n_frames_G"]),
        ngf=int(o["ngf"]),
        n_downsample=int(o["n_downsample_G"]),
        n_blocks=int(o["n_blocks"]),
        n_blocks_local=int(o["n_blocks_local"]),
        n_scales=int(o["n_scales_spatial"]),
        foreground_channels=tuple(int(v) for v in o["fg_labels"]) if o["fg"] else (),
        use_flow=not o["no_flow"],
        norm=o["norm"],
        align_corners=align_corners,
    )


def load_official_state(module: nn.Module, path: PathLike) -> None:
    """Load one official ``state_dict`` file into ``module`` strictly (``num_batches_tracked`` optional).

    Raises :class:`~motionkit.errors.CheckpointError` naming the file and every offending key."""
    path = Path(path)
    state = load_official(path)
    if not isinstance(state, Mapping) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"{path}: expected a state_dict (a mapping of names to tensors), got {type(state).__name__}")
    state = strip_prefix(dict(state))
    for key, value in module.state_dict().items():
        if key.endswith("num_batches_tracked") and key not in state:
            state[key] = value.clone()
    load_state_strict(module, state, source=str(path))


def scale_files(checkpoint: PathLike, n_scales: int) -> list[Path]:
    """The per-scale files of an official checkpoint: ``checkpoint`` is the folder holding
    ``latest_net_G<s>.pth`` or the scale-0 file itself (``<epoch>_net_G0.pth``)."""
    checkpoint = Path(checkpoint)
    if checkpoint.is_dir():
        folder, prefix = checkpoint, "latest_net_G"
    else:
        name = checkpoint.name
        if not name.endswith("_net_G0.pth"):
            raise CheckpointError(f"{checkpoint}: expected a folder or an official '<epoch>_net_G0.pth' file")
        folder, prefix = checkpoint.parent, name[: -len("0.pth")]
    files = [folder / f"{prefix}{s}.pth" for s in range(n_scales)]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise CheckpointError(f"official checkpoint incomplete: missing {', '.join(missing)} (n_scales={n_scales})")
    return files


def load_official_generator(generator: Vid2VidGenerator, checkpoint: PathLike) -> Vid2VidGenerator:
    """Load every scale of ``generator`` from the official per-scale files found by :func:`scale_files`."""
    for s, path in enumerate(scale_files(checkpoint, generator.config.n_scales)):
        load_official_state(generator.scale_network(s), path)
    return generator
