import pytest
import torch
import torch.nn.functional as F

from motionkit.nn import UpBlock2d, upsample_conv3x3, upsample_conv_transposed_weight
from motionkit.nn.upsample_conv import MATMUL_MAX_PIXELS, TRANSPOSED_MIN_PIXELS


def _reference(x, weight, bias):
    return F.conv2d(F.interpolate(x, scale_factor=2, mode="nearest"), weight, bias, padding=1)


# one size per form: matrix product (<= 16 pixels), plain (< 256), transposed (>= 256), non-square ones
SIZES = [(2, 2), (4, 4), (3, 5), (8, 8), (5, 7), (16, 16), (12, 24)]


def test_sizes_cover_every_form():
    pixels = [h * w for h, w in SIZES]
    assert min(pixels) <= MATMUL_MAX_PIXELS and max(pixels) >= TRANSPOSED_MIN_PIXELS
    assert any(MATMUL_MAX_PIXELS < p < TRANSPOSED_MIN_PIXELS for p in pixels)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("with_bias", [True, False])
def test_equals_upsample_then_conv(size, with_bias):
    torch.manual_seed(0)
    x = torch.randn(2, 6, *size, dtype=torch.float64)
    weight, bias = torch.randn(5, 6, 3, 3, dtype=torch.float64), torch.randn(5, dtype=torch.float64)
    bias = bias if with_bias else None
    out = upsample_conv3x3(x, weight, bias)
    assert out.shape == (2, 5, 2 * size[0], 2 * size[1])
    torch.testing.assert_close(out, _reference(x, weight, bias), atol=1e-12, rtol=0)
    transposed = upsample_conv_transposed_weight(weight)
    assert transposed.shape == (6, 5, 4, 4)
    torch.testing.assert_close(upsample_conv3x3(x, weight, bias, transposed_weight=transposed), out,
                               atol=1e-12, rtol=0)


@pytest.mark.parametrize("size", [(2, 3), (8, 8), (16, 16)])
def test_gradients_reach_input_weight_and_bias(size):
    torch.manual_seed(0)
    x = torch.randn(1, 3, *size, dtype=torch.float64, requires_grad=True)
    weight = torch.randn(2, 3, 3, 3, dtype=torch.float64, requires_grad=True)
    bias = torch.randn(2, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(upsample_conv3x3, (x, weight, bias))


def test_bfloat16_autocast_stays_close():
    torch.manual_seed(0)
    x, weight, bias = torch.randn(1, 8, 16, 16), torch.randn(4, 8, 3, 3) / 8, torch.randn(4)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = upsample_conv3x3(x, weight, bias)
    torch.testing.assert_close(out.float(), _reference(x, weight, bias), atol=0.05, rtol=0.02)


def test_up_block_uses_the_fused_form_only_for_3x3_padding_1():
    torch.manual_seed(0)
    x = torch.randn(2, 4, 16, 16)
    for block in (UpBlock2d(4, 3), UpBlock2d(4, 3, kernel_size=5, padding=2), UpBlock2d(4, 4, groups=2)):
        block.eval()
        expected = F.relu(block.norm(block.conv(F.interpolate(x, scale_factor=2))))
        torch.testing.assert_close(block(x), expected, atol=1e-5, rtol=1e-5)
    assert UpBlock2d(4, 3).fused and not UpBlock2d(4, 3, kernel_size=5, padding=2).fused
    assert not UpBlock2d(4, 4, groups=2).fused


def test_bad_shapes_are_named():
    with pytest.raises(ValueError, match=r"weight must be \(C_out, C_in, 3, 3\)"):
        upsample_conv_transposed_weight(torch.zeros(2, 3, 5, 5))
    with pytest.raises(ValueError, match="x must be"):
        upsample_conv3x3(torch.zeros(1, 4, 8, 8), torch.zeros(2, 3, 3, 3))
