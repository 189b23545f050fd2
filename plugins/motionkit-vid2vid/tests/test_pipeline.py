"""Streaming pipeline: how the recurrence starts, constant state, fast mode."""
from __future__ import annotations

import pytest
import torch

from motionkit.nn import GlobalGenerator
from motionkit_vid2vid.norm_statistics import current_statistics
from motionkit_vid2vid.pipeline import Vid2VidPipeline
from motionkit_vid2vid.sequence_generator import Vid2VidGenerator
from motionkit_vid2vid.single_frame import SINGLE_FRAME_NORM


def _generator():
    torch.manual_seed(0)
    return Vid2VidGenerator(frame_channels=7, ngf=8, n_downsample=2, n_blocks=2, n_blocks_local=1, n_scales=2)


def _conditions(n):
    return [torch.rand(1, 7, 32, 32) for _ in range(n)]


def test_single_frame_generator_seeds_the_recurrence():
    first = GlobalGenerator(6, 3, 8, 2, 1, norm=SINGLE_FRAME_NORM)
    pipe = Vid2VidPipeline(_generator(), first_frame_generator=first, first_frame_channels=6)
    conditions = _conditions(5)
    outputs = [pipe.push(c) for c in conditions]
    assert [len(o) for o in outputs] == [0, 0, 3, 1, 1]
    # the first two frames are the single-image generator's (official mode: instance statistics of the frame)
    with torch.no_grad(), current_statistics(first):
        expected = (first(conditions[0][:, :6]) + 1) / 2
    assert torch.allclose(outputs[2][0], expected.clamp(0, 1), atol=1e-6)
    assert all(f.shape == (1, 3, 32, 32) and 0 <= f.min() and f.max() <= 1 for o in outputs for f in o)


def test_padded_start_gives_one_frame_per_condition_and_bounded_state():
    pipe = Vid2VidPipeline(_generator())
    counts = [len(pipe.push(c)) for c in _conditions(6)]
    assert counts == [1] * 6
    assert len(pipe._window) == 2 and [p.shape[1] for p in pipe._previous] == [2, 2]


def test_reset_with_real_first_frames_and_bad_shapes():
    pipe = Vid2VidPipeline(_generator(), mode="eval")
    pipe.reset(torch.rand(1, 2, 3, 32, 32))
    counts = [len(pipe.push(c)) for c in _conditions(3)]
    assert counts == [0, 0, 3]
    with pytest.raises(ValueError, match="first_frames"):
        pipe.reset(torch.rand(1, 3, 3, 32, 32))
    with pytest.raises(ValueError, match="multiple of 8"):
        Vid2VidPipeline(_generator()).push(torch.rand(1, 7, 30, 32))
