"""FID: Fréchet distance between Inception-v3 pool features of real and generated frames.

The feature network is a TorchScript file the user provides, called as ``net(images, return_features=True)``
on uint8 ``(N, 3, H, W)`` RGB images (values 0..255) and returning ``(N, D)`` features; the network does
its own resizing. This is the interface of NVIDIA's ``inception-2015-12-05`` network used by StyleGAN2-ADA
and StyleGAN3 (their ``.pkl`` holds that TorchScript module: save it once as ``.pt`` with
``torch.jit.save(pickle.load(f), "inception-2015-12-05.pt")`` in an environment you trust).
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Union

import torch

from .frechet import frechet_distance
from .inputs import check_images
from .weights import load_torchscript, require_weights

EXPECTED = "inception-2015-12-05.pt (TorchScript Inception-v3 FID network, see motionkit.metrics.fid)"


class FIDFeatures:
    """The FID feature network loaded from ``weights``; call on frames ``(N, 3, H, W)`` in [0, 1]."""

    def __init__(self, weights: Optional[Union[str, Path]], device: Union[str, torch.device] = "cpu",
                 batch_size: int = 32) -> None:
        self.path = require_weights(weights, "FID", EXPECTED)
        self.net = load_torchscript(self.path, "FID").to(device)
        self.device = torch.device(device)
        self.batch_size = batch_size

    @torch.no_grad()
    def __call__(self, frames: torch.Tensor) -> torch.Tensor:
        """Features ``(N, D)`` float64 of ``frames`` (images or videos flattened over time)."""
        frames = check_images(frames, "frames")
        out = []
        for chunk in frames.split(self.batch_size):
            uint8 = (chunk * 255).round().clamp(0, 255).to(torch.uint8).to(self.device)
            out.append(self.net(uint8, return_features=True).double().cpu())
        return torch.cat(out)


def fid(real: torch.Tensor, generated: torch.Tensor, weights: Union[str, Path, FIDFeatures, None]) -> float:
    """FID between frame sets ``real`` and ``generated`` (each ``(N, 3, H, W)`` or videos), >= 2 frames each."""
    features = weights if isinstance(weights, FIDFeatures) else FIDFeatures(weights)
    return frechet_distance(features(real), features(generated))
