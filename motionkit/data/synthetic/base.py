"""Shared configuration and seeding of the synthetic datasets."""
from __future__ import annotations

import numpy as np
from pydantic import Field

from ...interfaces import Config, Dataset


class SyntheticConfig(Config):
    """height, width: frame size in pixels; length: number of items; seed: everything is a pure function
    of (seed, index)."""

    height: int = Field(64, ge=8, le=4096)
    width: int = Field(64, ge=8, le=4096)
    length: int = Field(1024, ge=1)
    seed: int = Field(0, ge=0)


class SyntheticDataset(Dataset):
    """Base of the generated datasets: deterministic per ``(seed, index)``, no files, any resolution."""

    Config = SyntheticConfig
    config: SyntheticConfig

    def __len__(self) -> int:
        return self.config.length

    def rng(self, stream: int, index: int) -> np.random.Generator:
        """Independent random stream ``stream`` (appearance, motion, ...) for item ``index``."""
        if not 0 <= index:
            raise IndexError(f"{self.name}: index {index} is negative")
        return np.random.default_rng([self.config.seed, stream, index])

    def check_index(self, index: int) -> int:
        """Validate an item index against ``length``."""
        index = int(index)
        if not 0 <= index < len(self):
            raise IndexError(f"{self.name}: index {index} out of range for length {len(self)}")
        return index
