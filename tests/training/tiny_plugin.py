"""A throwaway plugin for the engine tests: a tiny adversarial method and a tiny dataset.

Registered per test through ``registry.add_plugin(TinyPlugin(), "tiny-plugin")`` (and by
``run_tiny.py`` in subprocesses), exactly as a third-party plugin would be.
"""
from __future__ import annotations

import torch
from torch import nn

from motionkit import Config, Dataset, Method, StepOutput, hookimpl


class TinyMethod(Method):
    """Conv 'generator' mapping an image to its mirror, conv 'discriminator' with a hinge loss."""

    name = "tiny"
    discriminator_groups = ("discriminator",)

    class Config(Config):
        channels: int = 3
        noise: float = 0.0  # > 0 draws from the global RNG each step (exercises RNG checkpointing)
        nan_at_step: int = -1  # step (0-based) at which the loss term 'exploding' becomes NaN
        adversarial: bool = True

    def __init__(self, config=None, **params) -> None:
        super().__init__(config, **params)
        c = self.config.channels
        self.generator = nn.Sequential(nn.Conv2d(c, 4, 3, padding=1), nn.LeakyReLU(0.2), nn.Conv2d(4, c, 3, padding=1))
        self.discriminator = nn.Conv2d(c, 1, 3, padding=1)
        self.step = 0
        self.autocast_dtypes: list[torch.dtype] = []

    def parameter_groups(self):
        groups = {"generator": self.generator.parameters()}
        if self.config.adversarial:
            groups["discriminator"] = self.discriminator.parameters()
        return groups

    def set_training_progress(self, step: int, total_steps: int) -> None:
        self.step = step

    def generator_step(self, batch):
        x = batch["image"]
        noisy = x + self.config.noise * torch.randn_like(x)
        prediction = self.generator(noisy)
        self.autocast_dtypes.append(prediction.dtype)
        losses = {"reconstruction": (prediction.float() - batch["target"]).abs().mean()}
        if self.config.adversarial:
            losses["adversarial"] = -0.1 * self.discriminator(prediction).float().mean()
        if self.step == self.config.nan_at_step:
            losses["exploding"] = losses["reconstruction"] * float("nan")
        return StepOutput(losses=losses, outputs={"prediction": prediction})

    def discriminator_step(self, batch, outputs):
        real = self.discriminator(batch["target"]).float()
        fake = self.discriminator(outputs["prediction"]).float()
        return {"hinge": torch.relu(1 - real).mean() + torch.relu(1 + fake).mean()}

    def visuals(self, batch, outputs):
        return {"input": batch["image"], "prediction": outputs["prediction"].float().clamp(0, 1),
                "target": batch["target"]}


class TinyDataset(Dataset):
    """Random images (a function of the index) and their horizontal mirrors."""

    name = "tiny-images"

    class Config(Config):
        length: int = 10
        size: int = 8
        jitter: float = 0.0  # > 0 adds global-RNG noise per item (exercises RNG checkpointing)

    def __len__(self) -> int:
        return self.config.length

    def __getitem__(self, index: int):
        generator = torch.Generator().manual_seed(index)
        image = torch.rand(3, self.config.size, self.config.size, generator=generator)
        if self.config.jitter:
            image = (image + self.config.jitter * torch.rand(1)).clamp(0, 1)
        return {"image": image, "target": image.flip(-1), "index": torch.tensor(index)}


class TinyPlugin:
    @hookimpl
    def register_components(self, register):
        register(TinyMethod)
        register(TinyDataset)
