"""Shared fixtures for the motionkit.ops tests: every device-dependent test runs on CPU and CUDA."""

import pytest
import torch

DEVICES = [
    pytest.param("cpu", id="cpu"),
    pytest.param(
        "cuda",
        id="cuda",
        marks=[pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")],
    ),
]


@pytest.fixture(params=DEVICES)
def device(request: pytest.FixtureRequest) -> torch.device:
    return torch.device(request.param)


def _smooth_image(batch: int, channels: int, height: int, width: int, *, seed: int = 0, **kw) -> torch.Tensor:
    """A smooth random image (sum of a few random sinusoids) in [0, 1], float32 unless ``dtype`` given."""
    generator = torch.Generator().manual_seed(seed)
    ys = torch.linspace(0, 1, height, dtype=torch.float64).view(1, 1, height, 1)
    xs = torch.linspace(0, 1, width, dtype=torch.float64).view(1, 1, 1, width)
    image = torch.zeros(batch, channels, height, width, dtype=torch.float64)
    for _ in range(4):
        fx, fy, phase = (torch.rand(3, batch, channels, 1, 1, generator=generator, dtype=torch.float64) * 6).unbind(0)
        image = image + torch.sin(2 * torch.pi * (fx * xs + fy * ys) + phase)
    image = (image - image.amin()) / (image.amax() - image.amin())
    kw.setdefault("dtype", torch.float32)
    return image.to(**kw)


@pytest.fixture
def smooth_image():
    """Factory ``smooth_image(B, C, H, W, seed=0, dtype=..., device=...)`` for smooth test images."""
    return _smooth_image
