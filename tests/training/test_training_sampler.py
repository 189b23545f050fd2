"""Data order: a deterministic function of seed and step, split exactly across processes."""
from __future__ import annotations

import pytest

from motionkit.training.sampler import StepBatchSampler, epoch_permutation, global_batch_indices


def test_epochs_are_permutations_and_batches_chain_across_them() -> None:
    stream = [i for step in range(5) for i in global_batch_indices(7, 3, seed=1, step=step)]
    assert sorted(stream[:7]) == list(range(7)) and sorted(stream[7:14]) == list(range(7))
    assert stream[:7] == epoch_permutation(7, 1, 0).tolist()
    assert stream != [i for step in range(5) for i in global_batch_indices(7, 3, seed=2, step=step)]


def test_resuming_at_a_step_continues_the_same_stream() -> None:
    full = list(StepBatchSampler(10, 4, seed=3, start_step=0, total_steps=9))
    assert list(StepBatchSampler(10, 4, seed=3, start_step=5, total_steps=9)) == full[5:]


def test_process_shares_partition_the_global_batch() -> None:
    single = list(StepBatchSampler(10, 4, seed=0, start_step=0, total_steps=6))
    shares = [list(StepBatchSampler(10, 4, seed=0, start_step=0, total_steps=6, rank=r, world_size=2)) for r in range(2)]
    for step, batch in enumerate(single):
        assert sorted(shares[0][step] + shares[1][step]) == sorted(batch)
        assert len(shares[0][step]) == len(shares[1][step]) == 2
    with pytest.raises(ValueError, match="not divisible"):
        StepBatchSampler(10, 5, seed=0, start_step=0, total_steps=1, world_size=2)
