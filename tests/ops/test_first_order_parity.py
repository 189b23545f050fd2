"""motionkit.ops against tensors produced by the official first-order-model code.

Fixture: ``$MOTIONKIT_PARITY_DIR/first_order`` (default /work/shared/parity/first_order; see its
README). Exact equality where the op sequence reproduces the official one on this torch
version; the README's tolerance (1e-5) where ``torch.inverse``/``matmul`` results of 2 x 2
jacobians differ in the last bits between machines (measured here: <= 4.2e-7 for jacobians,
<= 1e-5 for the sparse-deformed images that depend on them).
"""

import os
from pathlib import Path

import pytest
import torch

from motionkit.ops import (
    AntiAliasDownsample,
    keypoint_hull_area,
    movement_scale,
    sparse_motions,
    transfer_relative_motion,
    warp_by_grid,
)

FIXTURE = Path(os.environ.get("MOTIONKIT_PARITY_DIR", "/work/shared/parity")) / "first_order"
pytestmark = pytest.mark.skipif(not (FIXTURE / "cases.safetensors").exists(), reason=f"no fixture at {FIXTURE}")


@pytest.fixture(scope="module")
def cases() -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    return load_file(str(FIXTURE / "cases.safetensors"))


def test_antialias_downsample_is_bit_exact_and_loads_official_kernel(cases):
    checkpoint = torch.load(FIXTURE / "checkpoint.pth.tar", map_location="cpu", weights_only=True)
    down = AntiAliasDownsample(3, 0.25)
    assert torch.equal(down.weight, checkpoint["kp_detector"]["down.weight"])
    down.load_state_dict({"weight": checkpoint["generator"]["dense_motion_network.down.weight"]}, strict=True)
    assert torch.equal(down(cases["source"]), cases["antialias_0.25.source"])


def test_sparse_deformed_source_matches_official(cases):
    source = cases["antialias_0.25.source"]
    for t in range(4):
        motions = sparse_motions(
            cases["kp_source.value"],
            cases[f"kp_driving.{t}.value"],
            (32, 32),
            align_corners=True,
            source_jacobians=cases["kp_source.jacobian"],
            driving_jacobians=cases[f"kp_driving.{t}.jacobian"],
        )
        repeated = source.unsqueeze(1).expand(1, 11, 3, 32, 32).reshape(11, 3, 32, 32)
        # the official code samples its align_corners=True grid with grid_sample's default (False)
        deformed = warp_by_grid(repeated, motions.reshape(11, 32, 32, 2), align_corners=False)
        torch.testing.assert_close(
            deformed.view(1, 11, 3, 32, 32), cases[f"absolute.{t}.sparse_deformed"], rtol=0, atol=1e-5
        )


def test_relative_keypoint_transfer_matches_official(cases):
    source, initial = cases["kp_source.value"], cases["kp_driving.0.value"]
    area = keypoint_hull_area(source)
    assert area.item() == cases["relative.source_hull_area"].item()
    assert keypoint_hull_area(initial).item() == cases["relative.driving_initial_hull_area"].item()
    assert movement_scale(source, initial).item() == cases["relative.movement_scale"].item()
    for t in range(4):
        keypoints, jacobians = transfer_relative_motion(
            source,
            cases[f"kp_driving.{t}.value"],
            initial,
            adapt_movement_scale=True,
            source_jacobians=cases["kp_source.jacobian"],
            driving_jacobians=cases[f"kp_driving.{t}.jacobian"],
            initial_driving_jacobians=cases["kp_driving.0.jacobian"],
        )
        assert torch.equal(keypoints, cases[f"relative.{t}.kp_norm.value"])
        torch.testing.assert_close(jacobians, cases[f"relative.{t}.kp_norm.jacobian"], rtol=0, atol=1e-6)
