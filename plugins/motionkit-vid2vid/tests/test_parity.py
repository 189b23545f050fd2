"""Reproduce the official vid2vid generator outputs (teacher-forced and free-running) in every mode.

Tolerances: the fixtures were made on another CPU; this machine's float32 kernels round differently and
vid2vid's recurrence (train-mode BatchNorm on small bottlenecks, frames fed back) amplifies the last-bit
differences (the fixtures themselves differ from a float64 evaluation by ~5e-6 after one step). Measured
here over both cases and modes: teacher-forced <= 6.1e-5 on images/weights and <= 6.2e-4 on flows (values up
to ~55 px); free-running <= 2.7e-3 on images and <= 1.8e-2 on flows. The mode gaps these checks must resolve
are 0.38 to 0.86.
"""
from __future__ import annotations

import pytest
import torch

from motionkit_vid2vid.pipeline import Vid2VidPipeline

TF_IMAGE_ATOL, TF_FLOW_ATOL = 2e-4, 2e-3
FREE_IMAGE_ATOL, FREE_FLOW_ATOL = 1e-2, 1e-1
FIELDS = (("img_final", "image"), ("img_raw", "raw"), ("weight", "weight"), ("flow", "flow"))
N_STEPS = 3


def _initial_previous(case, generator):
    batch, (height, width) = 1, case.frames.shape[-2:]
    if case.first_frames is None:
        return generator.pyramid(torch.zeros(batch, generator.config.n_frames - 1, 3, height, width)), True
    return generator.pyramid(case.first_frames), False


def _compare(case, mode, step, results, image_atol, flow_atol, checked):
    for s, result in enumerate(results):
        for field, attr in FIELDS:
            key = f"{mode}.step{step}.G{s}.{field}"
            if key not in case.tensors:
                continue
            atol = flow_atol if field == "flow" else image_atol
            ours, theirs = getattr(result, attr), case.tensors[key]
            err = (ours - theirs).abs().max().item()
            assert err <= atol, f"{case.name} {key}: max abs error {err:.3g} > {atol}"
            checked.append(key)


@pytest.mark.parametrize("mode", ["official", "eval"])
def test_teacher_forced_steps(case, mode):
    generator = case.generator()
    pipe = Vid2VidPipeline(generator, mode=mode)
    previous, raw_first = _initial_previous(case, generator)
    checked = []
    for step in range(N_STEPS):
        window = case.frames[step:step + generator.config.n_frames].unsqueeze(0)
        results = pipe.step(window, previous, use_raw_only=raw_first and step == 0)
        _compare(case, mode, step, results, TF_IMAGE_ATOL, TF_FLOW_ATOL, checked)
        # teacher forcing: every scale continues from the official frame of that scale
        previous = [
            torch.cat([p[:, 1:], case.tensors[f"{mode}.step{step}.G{s}.img_final"].unsqueeze(1)], dim=1)
            for s, p in enumerate(previous)
        ]
    assert len(checked) >= 3 * N_STEPS


def test_step0_inputs_match(case):
    generator = case.generator()
    window = case.frames[: generator.config.n_frames].unsqueeze(0)
    coarsest = generator.pyramid(window)[0]
    expected = case.tensors["official.step0.G0.input"]
    assert torch.equal(coarsest.reshape(expected.shape), expected)
    if case.first_frames is not None:
        for s, prev in enumerate(generator.pyramid(case.first_frames)):
            assert torch.equal(prev.reshape(1, -1, *prev.shape[-2:]), case.tensors[f"official.step0.G{s}.img_prev"])
            mask = generator.foreground_mask(generator.pyramid(window)[s])
            assert torch.equal(mask[:, 0], case.tensors[f"official.step0.G{s}.mask"])


@pytest.mark.parametrize("mode", ["official", "eval", "modern_default"])
def test_free_running_pipeline(case, mode):
    generator = case.generator(align_corners=mode != "modern_default")
    pipe = Vid2VidPipeline(generator, mode="eval" if mode == "eval" else "official", pad_start=False)
    pipe.reset(None if case.first_frames is None else (case.first_frames + 1) / 2)
    finest = generator.config.n_scales - 1
    outputs = []
    for frame in case.frames[: N_STEPS + generator.config.n_frames - 1]:
        outputs += pipe.push(frame.unsqueeze(0))
    generated = outputs[-N_STEPS:]
    assert len(outputs) == N_STEPS + (0 if case.first_frames is None else generator.config.n_frames - 1)
    for step, frame in enumerate(generated):
        expected = (case.tensors[f"{mode}.step{step}.G{finest}.img_final"] + 1) / 2
        err = (frame - expected.clamp(0, 1)).abs().max().item()
        assert err <= FREE_IMAGE_ATOL, f"{case.name} {mode} step {step}: max abs error {err:.3g}"


def test_modes_are_distinguished(case):
    """The official-mode output is far from the eval-mode fixture: the checks above can tell modes apart."""
    generator = case.generator()
    previous, raw_first = _initial_previous(case, generator)
    window = case.frames[: generator.config.n_frames].unsqueeze(0)
    results = Vid2VidPipeline(generator, mode="official").step(window, previous, use_raw_only=raw_first)
    finest = generator.config.n_scales - 1
    gap = (results[-1].image - case.tensors[f"eval.step0.G{finest}.img_final"]).abs().max().item()
    assert gap > 0.1


def test_free_running_all_scales_and_flows(case):
    """Free-running (own outputs fed back) on every scale and field of the official mode."""
    generator = case.generator()
    pipe = Vid2VidPipeline(generator, mode="official")
    previous, raw_first = _initial_previous(case, generator)
    checked = []
    for step in range(N_STEPS):
        window = case.frames[step:step + generator.config.n_frames].unsqueeze(0)
        results = pipe.step(window, previous, use_raw_only=raw_first and step == 0)
        _compare(case, "official", step, results, FREE_IMAGE_ATOL, FREE_FLOW_ATOL, checked)
        previous = [torch.cat([p[:, 1:], r.image.unsqueeze(1)], dim=1) for p, r in zip(previous, results)]
    assert len(checked) >= 4 * N_STEPS


def test_running_statistics_untouched(case):
    generator = case.generator()
    before = {k: v.clone() for k, v in generator.state_dict().items()}
    previous, raw_first = _initial_previous(case, generator)
    window = case.frames[: generator.config.n_frames].unsqueeze(0)
    Vid2VidPipeline(generator, mode="official").step(window, previous, use_raw_only=raw_first)
    assert all(torch.equal(before[k], v) for k, v in generator.state_dict().items())


def test_fast_mode_is_close_and_float32(case):
    """bfloat16 fast mode: float32 results near the exact ones (no bit-exactness: ~3 significant digits)."""
    generator = case.generator()
    previous, raw_first = _initial_previous(case, generator)
    window = case.frames[: generator.config.n_frames].unsqueeze(0)
    exact = Vid2VidPipeline(generator, mode="eval").step(window, previous, use_raw_only=raw_first)[-1].image
    fast = Vid2VidPipeline(generator, mode="eval", fast_dtype=torch.bfloat16).step(
        window, previous, use_raw_only=raw_first)[-1].image
    assert fast.dtype == torch.float32
    mse = torch.mean((fast - exact) ** 2).item()
    assert 0 < mse < 1e-2, mse


def test_low_precision_copy_layout_and_dtypes(case):
    from motionkit_vid2vid.low_precision import low_precision_copy

    generator = case.generator()
    fast = low_precision_copy(generator, torch.bfloat16)
    convolutions = [m for m in fast.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d))]
    norms = [m for m in fast.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    assert convolutions and norms
    assert all(m.weight.dtype == torch.bfloat16 for m in convolutions)
    assert all(m.weight.is_contiguous(memory_format=torch.channels_last) for m in convolutions)
    assert all(m.weight.dtype == torch.float32 and m.running_mean.dtype == torch.float32 for m in norms)
    assert all(p.is_contiguous() for p in generator.parameters())  # the original is untouched
    with pytest.raises(ValueError, match="bfloat16 or torch.float16"):
        low_precision_copy(generator, torch.float64)
