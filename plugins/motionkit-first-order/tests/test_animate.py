"""Inference: the Animator pipeline, ``motionkit animate --method first-order`` and ``motionkit convert``."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
import torch

import motionkit as mk
from motionkit_first_order import Animator, FirstOrder

PARITY = Path("/work/shared/parity/first_order")


def _run_cli(*args: str) -> subprocess.CompletedProcess:
    """The real console entry point in a fresh interpreter (as users run it)."""
    result = subprocess.run([sys.executable, "-m", "motionkit", *args], capture_output=True, text=True,
                            env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    return result


def _main(*args: str) -> int:
    """The same command line, in this process (cheaper)."""
    from motionkit.cli import main

    return main(list(args))


def _driving_video(path: Path, *, frames: int = 6, size=(24, 40), fps: float = 12.5, audio: bool = False) -> Path:
    rng = np.random.default_rng(0)
    silent = path.with_name("silent.mp4") if audio else path
    mk.io.write_video(silent, [rng.integers(0, 255, (*size, 3), dtype=np.uint8) for _ in range(frames)], fps=fps)
    if audio:
        subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-i", str(silent), "-f", "lavfi",
                        "-i", "sine=frequency=440:duration=1", "-c:v", "copy", "-c:a", "aac", str(path)],
                       check=True)
    return path


@pytest.fixture
def checkpoint(tiny_method, tmp_path) -> Path:
    return mk.save_method(tiny_method.eval(), tmp_path / "tiny.safetensors")


def test_animator_streams_and_keeps_the_source_size(tiny_method):
    consumed = []

    def frames():
        for index in range(100):
            consumed.append(index)
            yield torch.rand(3, 20, 36)

    animator = Animator(tiny_method, size=32)
    stream = animator.animate(torch.rand(3, 30, 18), frames())
    first = next(stream)
    assert first.shape == (3, 30, 18) and 0 <= first.min() and first.max() <= 1
    assert consumed == [0]  # driving frames are read one at a time


def test_relative_mode_reproduces_source_at_reference_pose(tiny_method):
    """Relative mode with the source as driving frame: keypoints unchanged, so the output is the plain
    reconstruction of the source from its own keypoints."""
    source = torch.rand(3, 32, 32)
    animator = Animator(tiny_method.eval(), size=32)
    out = next(animator.animate(source, [source]))
    kp = tiny_method.kp_detector(source[None])
    with torch.no_grad():
        expected = tiny_method.generator(source[None], kp, kp)["prediction"][0]
    torch.testing.assert_close(out, expected, atol=1e-5, rtol=0)


def test_non_square_frames_are_padded_not_stretched():
    from motionkit_first_order.animator import crop_padding, pad_to_square

    frames = torch.rand(1, 3, 10, 16)
    square, padding = pad_to_square(frames)
    assert square.shape == (1, 3, 16, 16) and padding == (0, 0, 3, 3)
    assert torch.equal(square[:, :, 3:13], frames)
    assert torch.equal(crop_padding(square, padding), frames)


def test_bf16_mode_runs_close_to_exact(tiny_method):
    source, driving = torch.rand(3, 32, 32), [torch.rand(3, 32, 32) for _ in range(2)]
    exact = torch.stack(list(Animator(tiny_method, size=32).animate(source, driving)))
    fast = torch.stack(list(Animator(tiny_method, size=32, precision="bf16").animate(source, driving)))
    psnr = 10 * torch.log10(1 / ((exact - fast) ** 2).mean())
    assert psnr > 30, float(psnr)


def test_animate_cli_keeps_fps_audio_and_source_size(checkpoint, tmp_path):
    source = tmp_path / "source.png"
    mk.io.write_image(source, np.random.default_rng(1).integers(0, 255, (20, 36, 3), dtype=np.uint8))
    driving = _driving_video(tmp_path / "driving.mp4", audio=True)
    out = tmp_path / "out.mp4"
    _run_cli("animate", "--method", "first-order", "--checkpoint", str(checkpoint), "--source", str(source),
             "--driving", str(driving), "--out", str(out), "--size", "32", "--adapt-scale")
    info, driving_info = mk.io.open_video(out).info, mk.io.open_video(driving).info
    assert (info.width, info.height, info.fps) == (36, 20, 12.5)
    assert info.num_frames == driving_info.num_frames
    assert info.has_audio


def test_animate_cli_with_official_checkpoint_and_convert(tmp_path):
    if not PARITY.is_dir():
        pytest.skip("parity fixture not available")
    source = tmp_path / "source.png"
    mk.io.write_image(source, np.random.default_rng(1).integers(0, 255, (40, 32, 3), dtype=np.uint8))
    driving = _driving_video(tmp_path / "driving.mp4", frames=3, size=(32, 32), fps=10)
    out = tmp_path / "out.mp4"
    assert _main("animate", "--method", "first-order", "--checkpoint", str(PARITY / "checkpoint.pth.tar"),
                 "--config", str(PARITY / "config.yaml"), "--source", str(source), "--driving", str(driving),
                 "--out", str(out), "--absolute") == 0
    info = mk.io.open_video(out).info
    assert (info.width, info.height, info.num_frames, info.fps, info.has_audio) == (32, 40, 3, 10, False)

    converted = tmp_path / "vox-small.safetensors"
    assert _main("convert", "--method", "first-order", "--checkpoint", str(PARITY / "checkpoint.pth.tar"),
                 "--config", str(PARITY / "config.yaml"), "--out", str(converted)) == 0
    loaded = mk.load_method(converted, expected_method="first-order")
    official = FirstOrder.from_official(PARITY / "checkpoint.pth.tar", PARITY / "config.yaml")
    for key, value in official.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value), key


def test_inference_copy_matches_the_networks(tiny_method):
    from motionkit_first_order.inference import FoldedUpBlock, inference_copy

    torch.manual_seed(1)
    for module in tiny_method.modules():  # BatchNorm far from identity, so folding is exercised
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.normal_(0, 0.2)
            module.running_var.uniform_(0.5, 1.5)
            module.weight.data.uniform_(0.6, 1.4)
            module.bias.data.normal_(0, 0.1)
    tiny_method.eval()
    detector, generator = inference_copy(tiny_method.kp_detector), inference_copy(tiny_method.generator)
    assert any(isinstance(m, FoldedUpBlock) for m in generator.modules())
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in detector.modules())
    source, driving = torch.rand(2, 3, 32, 32), torch.rand(2, 3, 32, 32)
    with torch.no_grad():
        kp_s, kp_d = tiny_method.kp_detector(source), tiny_method.kp_detector(driving)
        fast_s, fast_d = detector(source), detector(driving)
        torch.testing.assert_close(fast_s.value, kp_s.value, atol=1e-5, rtol=0)
        torch.testing.assert_close(fast_d.jacobian, kp_d.jacobian, atol=1e-5, rtol=0)
        expected = tiny_method.generator(source, kp_s, kp_d)
        actual = generator(source, kp_s, kp_d)
    for key in ("prediction", "deformation", "occlusion_map", "mask"):
        torch.testing.assert_close(actual[key], expected[key], atol=1e-5, rtol=0)
    assert all(p.requires_grad for p in tiny_method.parameters())  # the original is untouched


def test_find_best_frame_ignores_position_and_scale():
    from motionkit_first_order import find_best_frame

    rng = np.random.default_rng(0)
    face = rng.uniform(0, 100, (68, 2))
    poses = {0: face + rng.normal(0, 8, face.shape), 1: None, 2: 0.5 * face + 30, 3: face + rng.normal(0, 3, face.shape)}

    def landmarks(frame):  # frames are constant images whose value names their pose; the source is pose 2's face
        key = int(round(float(frame.mean()) * 10))
        return face if key == 9 else poses[key]

    driving = [torch.full((3, 8, 8), k / 10) for k in range(4)]
    assert find_best_frame(torch.full((3, 8, 8), 0.9), driving, landmarks) == 2


def test_find_best_frame_without_landmark_weights_names_the_files(checkpoint, tmp_path, capsys):
    source = tmp_path / "source.png"
    mk.io.write_image(source, np.zeros((32, 32, 3), dtype=np.uint8))
    driving = _driving_video(tmp_path / "driving.mp4", frames=2, size=(32, 32))
    status = _main("animate", "--method", "first-order", "--checkpoint", str(checkpoint), "--source", str(source),
                   "--driving", str(driving), "--out", str(tmp_path / "out.mp4"), "--size", "32",
                   "--find-best-frame", "--landmark-weights", str(tmp_path))
    error = capsys.readouterr().err
    assert status != 0
    assert "2DFAN4" in error and str(tmp_path) in error
    assert not (tmp_path / "out.mp4").exists()
