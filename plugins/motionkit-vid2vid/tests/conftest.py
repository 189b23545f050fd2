"""Shared fixtures: the official vid2vid parity cases (../shared/parity/vid2vid)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pytest
import torch
from safetensors.torch import load_file

from motionkit_vid2vid.label_encoding import encode_labels
from motionkit_vid2vid.official import generator_config, load_official_generator, read_options
from motionkit_vid2vid.sequence_generator import Vid2VidGenerator

PARITY_ROOT = Path(os.environ.get("MOTIONKIT_PARITY", Path(__file__).resolve().parents[3].parent / "shared" / "parity")) / "vid2vid"
CASES = ("street_fg", "pose_nofg")

from motionkit.testing import registry  # noqa: F401  (fixture: a fresh registry per test)


def require_fixtures() -> Path:
    if not (PARITY_ROOT / "official_keys.json").is_file():
        pytest.skip(f"vid2vid parity fixtures not found under {PARITY_ROOT} (set MOTIONKIT_PARITY)")
    return PARITY_ROOT


@dataclass
class Case:
    name: str
    tensors: dict[str, torch.Tensor]
    options: dict
    frames: torch.Tensor                 # (N, C, H, W) encoded condition frames
    first_frames: Optional[torch.Tensor]  # (1, n_frames - 1, 3, H, W) in [-1, 1], or None (zeros, raw first step)

    def generator(self, *, align_corners: bool = True) -> Vid2VidGenerator:
        generator = Vid2VidGenerator(generator_config(self.options, align_corners=align_corners))
        return load_official_generator(generator, PARITY_ROOT / self.name)


def load_case(name: str) -> Case:
    root = require_fixtures() / name
    tensors = load_file(str(root / "cases.safetensors"))
    options = read_options(root / "options.json")
    if "inputs.label" in tensors:
        frames = encode_labels(tensors["inputs.label"].long(), int(options["label_nc"]), tensors["inputs.inst"].long())
        first = tensors["inputs.first_frames"].unsqueeze(0)
    else:
        frames, first = tensors["inputs.A"], None
    return Case(name, tensors, options, frames, first)


@pytest.fixture(scope="session", params=CASES)
def case(request) -> Case:
    """Each parity case, loaded once per session."""
    return load_case(request.param)


@pytest.fixture(scope="session")
def parity_root() -> Path:
    """The vid2vid parity fixture folder (the test is skipped when it is absent)."""
    return require_fixtures()


@pytest.fixture(autouse=True)
def single_thread():
    """These tensors are tiny: one intra-op thread is as fast and does not suffer from a loaded machine."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
