"""FVD: Fréchet distance between I3D features of real and generated clips.

Protocol (as the reference TensorFlow implementation and its PyTorch ports): each clip of ``T`` frames is
resized to 224 x 224 (bilinear), scaled to [-1, 1] and given to the network as ``(B, 3, T, 224, 224)``;
the network is a TorchScript file the user provides, called as
``net(clips, rescale=False, resize=False, return_features=True)`` and returning ``(B, D)`` features
(the interface of the widely used ``i3d_torchscript.pt`` Kinetics-400 I3D).
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Union

import torch
import torch.nn.functional as F

from .frechet import frechet_distance
from .inputs import check_videos
from .weights import load_torchscript, require_weights

EXPECTED = "i3d_torchscript.pt (TorchScript Kinetics-400 I3D FVD network, see motionkit.metrics.fvd)"
RESOLUTION = 224


class FVDFeatures:
    """The FVD feature network loaded from ``weights``; call on clips ``(B, T, 3, H, W)`` in [0, 1]."""

    def __init__(self, weights: Optional[Union[str, Path]], device: Union[str, torch.device] = "cpu",
                 batch_size: int = 8) -> None:
        self.path = require_weights(weights, "FVD", EXPECTED)
        self.net = load_torchscript(self.path, "FVD").to(device)
        self.device = torch.device(device)
        self.batch_size = batch_size

    @torch.no_grad()
    def __call__(self, clips: torch.Tensor) -> torch.Tensor:
        """Features ``(B, D)`` float64."""
        clips = check_videos(clips, "clips")
        out = []
        for chunk in clips.split(self.batch_size):
            b, t = chunk.shape[:2]
            frames = F.interpolate(chunk.flatten(0, 1).float(), size=(RESOLUTION, RESOLUTION), mode="bilinear",
                                   align_corners=False)
            x = (frames * 2 - 1).view(b, t, 3, RESOLUTION, RESOLUTION).permute(0, 2, 1, 3, 4).contiguous()
            out.append(self.net(x.to(self.device), rescale=False, resize=False, return_features=True).double().cpu())
        return torch.cat(out)


def fvd(real: torch.Tensor, generated: torch.Tensor, weights: Union[str, Path, FVDFeatures, None]) -> float:
    """FVD between clip sets ``real`` and ``generated`` ``(B, T, 3, H, W)`` in [0, 1], >= 2 clips each."""
    features = weights if isinstance(weights, FVDFeatures) else FVDFeatures(weights)
    return frechet_distance(features(real), features(generated))
