"""Data order as a pure function of (seed, step): what makes ``--resume`` exact and DDP consistent.

Sample positions ``step * batch_size ...`` index an endless stream made of one seeded permutation of the
dataset per epoch. Each DDP process takes an equal, disjoint share of every global batch (rank ``r`` of
``W`` takes positions ``r, r + W, ...``), so the union over processes is exactly the single-process
batch. Nothing here depends on iteration history, so a resumed run only needs the step.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Iterator

import torch
from torch.utils.data import Sampler


@lru_cache(maxsize=4)
def epoch_permutation(num_items: int, seed: int, epoch: int) -> torch.Tensor:
    """The order of the dataset in ``epoch``: a permutation of ``range(num_items)`` (int64; cached, do not
    modify)."""
    generator = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    return torch.randperm(num_items, generator=generator)


def global_batch_indices(num_items: int, batch_size: int, seed: int, step: int) -> list[int]:
    """Dataset indices of the global batch at ``step`` (0-based), ``batch_size`` of them."""
    start = step * batch_size
    indices: list[int] = []
    epoch, offset = divmod(start, num_items)
    while len(indices) < batch_size:
        order = epoch_permutation(num_items, seed, epoch)
        take = order[offset: offset + batch_size - len(indices)]
        indices.extend(int(i) for i in take)
        epoch, offset = epoch + 1, 0
    return indices


class StepBatchSampler(Sampler[list[int]]):
    """Yields this process's share of the global batch for steps ``start_step .. total_steps - 1``."""

    def __init__(
        self,
        num_items: int,
        batch_size: int,
        *,
        seed: int,
        start_step: int,
        total_steps: int,
        rank: int = 0,
        world_size: int = 1,
    ) -> None:
        if num_items <= 0:
            raise ValueError("the training dataset is empty")
        if batch_size % world_size:
            raise ValueError(
                f"train.batch_size {batch_size} is not divisible by the {world_size} training processes"
            )
        self.num_items = num_items
        self.batch_size = batch_size
        self.seed = seed
        self.start_step = start_step
        self.total_steps = total_steps
        self.rank = rank
        self.world_size = world_size

    def __len__(self) -> int:
        return max(self.total_steps - self.start_step, 0)

    def __iter__(self) -> Iterator[list[int]]:
        for step in range(self.start_step, self.total_steps):
            batch = global_batch_indices(self.num_items, self.batch_size, self.seed, step)
            yield batch[self.rank:: self.world_size]

    def position(self, step: int) -> dict[str, int]:
        """Data position after ``step`` completed steps (stored in checkpoints)."""
        seen = step * self.batch_size
        return {
            "step": step,
            "samples_seen": seen,
            "epoch": seen // self.num_items,
            "num_items": self.num_items,
            "batch_size": self.batch_size,
            "seed": self.seed,
        }
