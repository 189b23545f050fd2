"""L1, total variation and Gaussian KL against hand-computed values."""
from __future__ import annotations

import math

import pytest
import torch

from motionkit.losses import GaussianKLLoss, L1Loss, TotalVariationLoss


def test_l1_plain_and_masked() -> None:
    prediction = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    target = torch.tensor([[[[0.0, 2.0], [5.0, 4.5]]]])
    assert L1Loss()(prediction, target).item() == pytest.approx((1 + 0 + 2 + 0.5) / 4)
    mask = torch.tensor([[[[1.0, 1.0], [0.0, 1.0]]]])
    assert L1Loss()(prediction, target, mask).item() == pytest.approx((1 + 0 + 0.5) / 4)  # vid2vid MaskedL1Loss
    assert L1Loss(normalize_by_mask=True)(prediction, target, mask).item() == pytest.approx((1 + 0 + 0.5) / 3)
    rgb = prediction.expand(1, 3, 2, 2)
    assert L1Loss(normalize_by_mask=True)(rgb, target.expand(1, 3, 2, 2), mask).item() == pytest.approx(1.5 / 3)
    with pytest.raises(ValueError, match="differ in shape"):
        L1Loss()(prediction, target[..., :1])


def test_total_variation() -> None:
    x = torch.tensor([[[[0.0, 1.0, 3.0], [2.0, 2.0, 2.0]]]])  # (1, 1, 2, 3)
    dy = [2.0, 1.0, 1.0]
    dx = [1.0, 2.0, 0.0, 0.0]
    assert TotalVariationLoss()(x).item() == pytest.approx(sum(dy) / 3 + sum(dx) / 4)
    assert TotalVariationLoss(penalty="l2")(x).item() == pytest.approx(sum(v * v for v in dy) / 3 + sum(v * v for v in dx) / 4)
    flow = torch.ones(2, 2, 5, 5, requires_grad=True)
    value = TotalVariationLoss()(flow)
    assert value.item() == 0.0
    value.backward()
    assert flow.grad is not None


def test_gaussian_kl() -> None:
    mu = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    logvar = torch.tensor([[0.0, math.log(2.0)], [0.0, 0.0]])
    per = [0.5, -0.5 * (1 + math.log(2.0) - 2.0), 0.0, 2.0]
    assert GaussianKLLoss()(mu, logvar).item() == pytest.approx(sum(per))
    assert GaussianKLLoss(reduction="batch_mean")(mu, logvar).item() == pytest.approx(sum(per) / 2)
    assert GaussianKLLoss(reduction="mean")(mu, logvar).item() == pytest.approx(sum(per) / 4)
    assert GaussianKLLoss()(torch.zeros(3, 4), torch.zeros(3, 4)).item() == 0.0
    with pytest.raises(ValueError, match="same"):
        GaussianKLLoss()(mu, logvar[:1])
@pytest.mark.parametrize("channels_last", [False, True])
def test_mean_absolute_error_matches_autograd_values_and_gradients(channels_last):
    from motionkit.losses import mean_absolute_error

    torch.manual_seed(0)
    layout = torch.channels_last if channels_last else torch.contiguous_format
    prediction = torch.randn(2, 5, 6, 7).contiguous(memory_format=layout).requires_grad_()
    target = torch.randn(2, 5, 6, 7).contiguous(memory_format=layout).requires_grad_()
    expected = (prediction - target).abs().mean()
    expected_grads = torch.autograd.grad(3 * expected, (prediction, target))
    value = mean_absolute_error(prediction, target)
    grads = torch.autograd.grad(3 * value, (prediction, target))
    assert torch.equal(value, expected)
    for grad, expected_grad in zip(grads, expected_grads):
        assert torch.equal(grad, expected_grad)
    detached = mean_absolute_error(prediction, target.detach())
    assert torch.autograd.grad(detached, prediction)[0].shape == prediction.shape
    assert torch.autograd.gradcheck(mean_absolute_error, (prediction.double().detach().requires_grad_(),
                                                          target.double().detach().requires_grad_()))
    with pytest.raises(ValueError, match="differ in shape"):
        mean_absolute_error(prediction, target[:1])
