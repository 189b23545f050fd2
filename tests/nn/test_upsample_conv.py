import pytest
import torch
import torch.nn.functional as F

from motionkit.nn import UpBlock2d, upsample_conv3x3, upsample_conv_transposed_weight
from motionkit.nn import prefers_matmul
from motionkit.nn.upsample_conv import TRANSPOSED_MIN_PIXELS


def _reference(x, weight, bias):
    return F.conv2d(F.interpolate(x, scale_factor=2, mode="nearest"), weight, bias, padding=1)


# (input channels, size) per form: matrix product (tiny map, many channels), plain (< 256 pixels),
# transposed (>= 256), non-square ones
CASES = [(400, (2, 2)), (6, (2, 2)), (6, (4, 4)), (6, (3, 5)), (6, (8, 8)), (6, (5, 7)), (6, (16, 16)),
         (6, (12, 24))]


def _form(channels, size):
    if size[0] * size[1] >= TRANSPOSED_MIN_PIXELS:
        return "transposed"
    upsampled = torch.empty(2, channels, 2 * size[0], 2 * size[1])
    return "matmul" if prefers_matmul(upsampled, torch.empty(5, channels, 3, 3)) else "plain"


def test_cases_cover_every_form():
    assert {_form(c, s) for c, s in CASES} == {"matmul", "plain", "transposed"}


@pytest.mark.parametrize("channels, size", CASES)
@pytest.mark.parametrize("with_bias", [True, False])
@pytest.mark.parametrize("channels_last", [False, True])
def test_equals_upsample_then_conv(channels, size, with_bias, channels_last):
    torch.manual_seed(0)
    x = torch.randn(2, channels, *size, dtype=torch.float64)
    weight, bias = torch.randn(5, channels, 3, 3, dtype=torch.float64), torch.randn(5, dtype=torch.float64)
    if channels_last:
        weight = weight.to(memory_format=torch.channels_last)
    bias = bias if with_bias else None
    out = upsample_conv3x3(x, weight, bias)
    assert out.shape == (2, 5, 2 * size[0], 2 * size[1])
    torch.testing.assert_close(out, _reference(x, weight, bias), atol=1e-11, rtol=0)
    transposed = upsample_conv_transposed_weight(weight)
    assert transposed.shape == (channels, 5, 4, 4)
    torch.testing.assert_close(upsample_conv3x3(x, weight, bias, transposed_weight=transposed), out,
                               atol=1e-11, rtol=0)


@pytest.mark.parametrize("channels, size", [(3, (2, 3)), (3, (8, 8)), (3, (16, 16)), (60, (1, 2))])
def test_gradients_reach_input_weight_and_bias(channels, size):
    torch.manual_seed(0)
    x = torch.randn(1, channels, *size, dtype=torch.float64, requires_grad=True)
    weight = torch.randn(2, channels, 3, 3, dtype=torch.float64, requires_grad=True)
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
