"""Anti-aliased downsampling (first-order model semantics) and image pyramids."""

import pytest
import torch

from motionkit.errors import InputError
from motionkit.ops import AntiAliasDownsample, ImagePyramid, gaussian_kernel


@pytest.mark.parametrize("scale,size", [(0.5, 5), (0.25, 13), (0.125, 29)])
def test_kernel_size_and_normalisation(scale, size):
    # sigma = (1 / scale - 1) / 2, kernel size 2 * round(4 * sigma) + 1
    kernel = gaussian_kernel(scale)
    assert kernel.shape == (size, size) and kernel.dtype == torch.float32
    torch.testing.assert_close(kernel.sum(), torch.tensor(1.0))
    assert torch.equal(kernel, kernel.T) and kernel.argmax() == (size * size) // 2


def test_downsample_shapes_state_dict_and_constant_image(device):
    down = AntiAliasDownsample(3, 0.25).to(device)
    assert list(down.state_dict()) == ["weight"] and down.weight.shape == (3, 1, 13, 13)
    image = torch.full((2, 3, 64, 48), 0.7, device=device)
    out = down(image)
    assert out.shape == (2, 3, 16, 12)
    # away from the zero padding a constant image stays constant
    torch.testing.assert_close(out[..., 2:-2, 2:-2], torch.full_like(out[..., 2:-2, 2:-2], 0.7))
    # subsampling keeps every 4th blurred pixel starting at 0
    assert torch.allclose(out[0, 0, 0, 0], down.weight[0, 0, 6:, 6:].sum() * 0.7)


def test_scale_one_is_identity_and_loads_official_layout():
    identity = AntiAliasDownsample(3, 1.0)
    image = torch.rand(1, 3, 8, 8)
    assert identity(image) is image and list(identity.state_dict()) == []
    down = AntiAliasDownsample(3, 0.5)
    fresh = AntiAliasDownsample(3, 0.5)
    fresh.load_state_dict(down.state_dict(), strict=True)
    assert torch.equal(fresh.weight, down.weight)


def test_downsampling_removes_aliasing():
    # a checkerboard (Nyquist frequency) aliases under plain subsampling; the blur removes it
    checker = ((torch.arange(32).view(-1, 1) + torch.arange(32).view(1, -1)) % 2).float().expand(1, 1, 32, 32)
    out = AntiAliasDownsample(1, 0.25)(checker)
    plain = checker[..., ::4, ::4]
    assert plain.std() == 0 and plain.mean() == 0  # plain subsampling sees a constant 0 image
    torch.testing.assert_close(out[..., 2:-2, 2:-2], torch.full((1, 1, 4, 4), 0.5), rtol=0, atol=1e-3)


def test_image_pyramid_levels(device):
    pyramid = ImagePyramid(3, [1, 0.5, 0.25]).to(device)
    levels = pyramid(torch.rand(2, 3, 32, 32, device=device))
    assert [tuple(level.shape) for level in levels] == [(2, 3, 32, 32), (2, 3, 16, 16), (2, 3, 8, 8)]


def test_downsample_gradcheck_and_dtype(device):
    down = AntiAliasDownsample(2, 0.5).to(device)
    image = torch.rand(1, 2, 6, 6, dtype=torch.float64, device=device, requires_grad=True)
    assert torch.autograd.gradcheck(down, (image,))
    for dtype in (torch.bfloat16, torch.float16, torch.float64):
        assert down(torch.rand(1, 2, 8, 8, device=device).to(dtype)).dtype == dtype


def test_pyramid_errors_are_clear():
    with pytest.raises(InputError, match=r"image must have shape \(B, C, H, W\), got \(1, 4, 8, 8\)"):
        AntiAliasDownsample(3, 0.5)(torch.zeros(1, 4, 8, 8))
    with pytest.raises(ValueError, match=r"scale must be in \(0, 1\]"):
        AntiAliasDownsample(3, 2.0)
    with pytest.raises(ValueError, match="at least one scale"):
        ImagePyramid(3, [])


@pytest.mark.parametrize("scale", [0.5, 0.25, 0.125])
def test_downsample_equals_full_blur_then_every_step_th_pixel(scale):
    import torch.nn.functional as F

    down = AntiAliasDownsample(3, scale)
    image = torch.rand(2, 3, 37, 50)
    padded = F.pad(image, (down.pad_before, down.pad_after, down.pad_before, down.pad_after))
    full = F.conv2d(padded, down.weight, groups=3)  # blurred at every pixel, (2, 3, 37, 50)
    assert full.shape == image.shape
    assert torch.equal(down(image), full[:, :, :: down.step, :: down.step])
