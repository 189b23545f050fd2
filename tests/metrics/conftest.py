"""Test-made feature networks standing in for the Inception (FID) and I3D (FVD) weights files."""
from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pytest
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))  # metric_helpers


class MeanColour(nn.Module):
    """FID stand-in: per-channel mean intensity of uint8 images, in [0, 1]."""

    def forward(self, images: torch.Tensor, return_features: bool = False) -> torch.Tensor:
        assert images.dtype == torch.uint8
        return images.float().mean(dim=(2, 3)) / 255.0


class ClipMean(nn.Module):
    """FVD stand-in: per-channel mean of (B, 3, T, 224, 224) clips in [-1, 1]; fails on other layouts."""

    def forward(self, clips: torch.Tensor, rescale: bool = False, resize: bool = False,
                return_features: bool = False) -> torch.Tensor:
        if clips.dim() != 5 or clips.shape[1] != 3 or clips.shape[3] != 224 or clips.shape[4] != 224:
            raise RuntimeError("expected (B, 3, T, 224, 224)")
        return clips.mean(dim=(2, 3, 4))


def save_scripted(module: nn.Module, path: Path) -> Path:
    """Save ``module`` as TorchScript, the format of the real FID/FVD network files."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.save(torch.jit.script(module), str(path))
    return path


@pytest.fixture(scope="session")
def fid_weights(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("weights") / "inception-2015-12-05.pt"
    return save_scripted(MeanColour(), path)


@pytest.fixture(scope="session")
def fvd_weights(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("weights") / "i3d_torchscript.pt"
    return save_scripted(ClipMean(), path)
