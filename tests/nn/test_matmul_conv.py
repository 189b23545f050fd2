import pytest
import torch
import torch.nn.functional as F

from motionkit.nn import DownBlock2d, conv3x3, conv3x3_matmul, is_plain_conv3x3, prefers_matmul


@pytest.mark.parametrize("size", [(1, 1), (2, 2), (3, 5), (4, 4)])
@pytest.mark.parametrize("channels_last", [False, True])
@pytest.mark.parametrize("with_bias", [True, False])
def test_equals_the_convolution(size, channels_last, with_bias):
    torch.manual_seed(0)
    x = torch.randn(2, 7, *size, dtype=torch.float64)
    weight, bias = torch.randn(5, 7, 3, 3, dtype=torch.float64), torch.randn(5, dtype=torch.float64)
    if channels_last:
        weight = weight.to(memory_format=torch.channels_last)
        x = x.to(memory_format=torch.channels_last)
    bias = bias if with_bias else None
    out = conv3x3_matmul(x, weight, bias)
    assert out.shape == (2, 5, *size)
    torch.testing.assert_close(out, F.conv2d(x, weight, bias, padding=1), atol=1e-12, rtol=0)


@pytest.mark.parametrize("channels_last", [False, True])
def test_gradients_reach_input_weight_and_bias(channels_last):
    torch.manual_seed(0)
    x = torch.randn(2, 3, 3, 4, dtype=torch.float64)
    weight = torch.randn(2, 3, 3, 3, dtype=torch.float64)
    if channels_last:
        weight = weight.to(memory_format=torch.channels_last)
    x.requires_grad_(), weight.requires_grad_()
    bias = torch.randn(2, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(conv3x3_matmul, (x, weight, bias))


def test_channels_last_weight_gets_a_channels_last_gradient_without_copies():
    weight = torch.randn(4, 6, 3, 3).to(memory_format=torch.channels_last).requires_grad_()
    conv3x3_matmul(torch.randn(1, 6, 2, 2), weight).sum().backward()
    assert weight.grad.is_contiguous(memory_format=torch.channels_last)


def test_prefers_matmul_only_where_weights_dominate():
    weight = torch.empty(1024, 1024, 3, 3)
    assert prefers_matmul(torch.empty(2, 1024, 4, 4), weight)
    assert not prefers_matmul(torch.empty(2, 1024, 16, 16), weight)
    assert not prefers_matmul(torch.empty(2, 64, 4, 4), torch.empty(64, 64, 3, 3))


def test_bfloat16_autocast_stays_close():
    torch.manual_seed(0)
    x, weight, bias = torch.randn(1, 64, 2, 2), torch.randn(8, 64, 3, 3) / 24, torch.randn(8)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = conv3x3_matmul(x, weight, bias)
    assert out.dtype == torch.bfloat16
    torch.testing.assert_close(out.float(), F.conv2d(x, weight, bias, padding=1), atol=0.05, rtol=0.02)


def test_down_block_on_a_tiny_map_matches_its_convolution():
    torch.manual_seed(0)
    block = DownBlock2d(256, 8).eval()
    x = torch.randn(2, 256, 2, 2)
    assert block.plain3x3 and prefers_matmul(x, block.conv.weight)
    expected = block.pool(F.relu(block.norm(block.conv(x))))
    torch.testing.assert_close(block(x), expected, atol=1e-5, rtol=1e-5)
    assert torch.equal(conv3x3(x, block.conv), conv3x3_matmul(x, block.conv.weight, block.conv.bias))


def test_plain_3x3_detection():
    assert is_plain_conv3x3(torch.nn.Conv2d(4, 4, 3, padding=1))
    for conv in (torch.nn.Conv2d(4, 4, 3, padding=1, stride=2), torch.nn.Conv2d(4, 4, 3, padding=1, groups=2),
                 torch.nn.Conv2d(4, 4, 5, padding=2), torch.nn.Conv2d(4, 4, 3, padding=1, padding_mode="reflect"),
                 torch.nn.Conv2d(4, 4, 3, padding=2, dilation=2)):
        assert not is_plain_conv3x3(conv)
    assert not DownBlock2d(4, 4, kernel_size=5, padding=2).plain3x3


def test_bad_shapes_are_named():
    with pytest.raises(ValueError, match="x must be"):
        conv3x3_matmul(torch.zeros(1, 4, 2, 2), torch.zeros(2, 3, 3, 3))
