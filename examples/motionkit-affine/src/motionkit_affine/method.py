"""The method: estimator + warp generator, trained by reconstructing a driving frame from a source."""
from __future__ import annotations

from pathlib import Path

import torch
from pydantic import Field

import motionkit as mk

from .generator import AffineWarpGenerator
from .representation import GlobalAffineEstimator


class GlobalAffine(mk.Method):
    """Animate a source image by one global affine motion per driving frame.

    Training batches are frame pairs of one video: ``{"source": (B, 3, H, W), "driving": (B, 3, H, W)}``.
    """

    name = "affine"
    config_dir = Path(__file__).parent / "configs"

    class Config(mk.Config):
        estimator: GlobalAffineEstimator.Config = Field(default_factory=GlobalAffineEstimator.Config)
        generator: AffineWarpGenerator.Config = Field(default_factory=AffineWarpGenerator.Config)
        reconstruction_weight: float = Field(1.0, ge=0, description="weight of the L1 reconstruction loss")

    def __init__(self, config=None, **params):
        super().__init__(config, **params)
        self.estimator = GlobalAffineEstimator(self.config.estimator)
        self.generator = AffineWarpGenerator(self.config.generator)

    def animate(self, source: torch.Tensor, driving: torch.Tensor) -> dict:
        """Frames ``driving (B, 3, H, W)`` re-enacted by ``source (B, 3, H, W)``."""
        return self.generator(source, self.estimator(source), self.estimator(driving))

    def parameter_groups(self):
        return {"estimator": list(self.estimator.parameters())}

    def generator_step(self, batch):
        out = self.animate(batch["source"], batch["driving"])
        loss = (out["prediction"] - batch["driving"]).abs().mean()
        return mk.StepOutput(losses={"reconstruction": self.config.reconstruction_weight * loss}, outputs=out)

    def visuals(self, batch, outputs):
        return {"source": batch["source"], "driving": batch["driving"], "prediction": outputs["prediction"]}
