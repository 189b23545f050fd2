"""The DIS optical-flow estimator: semantics (which frame it warps), accuracy, registration, errors."""

import pytest
import torch
import torch.nn.functional as F

from motionkit.errors import ConfigError, InputError
from motionkit.ops import DISFlowEstimator, warp
from motionkit.testing import check_component


def textured_pair(dx: int, dy: int, device="cpu"):
    """``source`` and ``target`` crops of one texture with ``target(p) = source(p + (dx, dy))``."""
    generator = torch.Generator().manual_seed(0)
    texture = F.avg_pool2d(torch.rand(1, 3, 136, 136, generator=generator), 5, stride=1)
    source = texture[..., 16:112, 16:112]
    target = texture[..., 16 + dy : 112 + dy, 16 + dx : 112 + dx]
    return target.to(device), source.to(device)


INNER = (..., slice(8, -8), slice(8, -8))


@pytest.mark.parametrize("shift", [(3, -2), (-4, 1)])
def test_dis_recovers_known_translation_within_half_a_pixel(device, shift):
    target, source = textured_pair(*shift, device=device)
    flow = DISFlowEstimator()(target, source)
    assert flow.shape == (1, 2, 96, 96) and flow.device.type == device.type and flow.dtype == torch.float32
    expected = torch.tensor(shift, dtype=torch.float32, device=device).view(1, 2, 1, 1)
    assert (flow - expected)[INNER].abs().max() < 0.5
    # the documented direction: warping the source by the flow reproduces the target
    warped = warp(source, flow, align_corners=False)
    assert (warped - target)[INNER].abs().mean() < 0.01


def test_dis_is_a_registered_flow_component():
    estimator = check_component(DISFlowEstimator, {"preset": "fast"})
    assert estimator.name == "dis" and estimator.kind == "flow" and estimator.config.preset == "fast"
    fine = DISFlowEstimator(preset="ultrafast", finest_scale=0, variational_refinement_iterations=2)
    target, source = textured_pair(2, 2)
    flow = fine(target.double(), source.double())
    assert flow.dtype == torch.float64 and (flow - 2)[INNER].abs().median() < 0.5


def test_dis_errors_are_clear():
    with pytest.raises(ConfigError, match="preset"):
        DISFlowEstimator(preset="slow")
    with pytest.raises(InputError, match="target and source must both be"):
        DISFlowEstimator()(torch.zeros(1, 3, 16, 16), torch.zeros(1, 3, 16, 8))
    with pytest.raises(InputError, match="a side of at least 12 pixels"):
        DISFlowEstimator()(torch.zeros(1, 3, 8, 8), torch.zeros(1, 3, 8, 8))
    with pytest.raises(InputError, match=r"target must have shape \(B, 3, H, W\)"):
        DISFlowEstimator()(torch.zeros(3, 16, 16), torch.zeros(3, 16, 16))


def test_dis_is_registered_as_a_core_component():
    from motionkit.testing import fresh_registry

    assert fresh_registry().get("flow", "dis") is DISFlowEstimator
