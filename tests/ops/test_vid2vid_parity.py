"""motionkit.ops.warp against the official vid2vid fixture (pose case: no foreground compositing).

Fixture: ``$MOTIONKIT_PARITY_DIR/vid2vid/pose_nofg`` (default /work/shared/parity; see its README).
vid2vid blends ``img_final = img_raw * weight + warp(previous, flow) * (1 - weight)`` with pixel
flows, a ``linspace`` grid, ``flow / ((size - 1) / 2)``, ``align_corners=True`` and border padding;
motionkit's ``warp`` must reproduce every warped step bit for bit.
"""

import os
from pathlib import Path

import pytest
import torch

from motionkit.ops import warp

FIXTURE = Path(os.environ.get("MOTIONKIT_PARITY_DIR", "/work/shared/parity")) / "vid2vid" / "pose_nofg"
pytestmark = pytest.mark.skipif(not (FIXTURE / "cases.safetensors").exists(), reason=f"no fixture at {FIXTURE}")


def test_warped_blend_is_bit_identical_to_official():
    from safetensors.torch import load_file

    cases = load_file(str(FIXTURE / "cases.safetensors"))
    checked = 0
    for mode, scales in (("official", (0, 1)), ("eval", (1,))):
        for step in (1, 2):
            for scale in scales:
                key = f"{mode}.step{step}.G{scale}"
                previous = cases[f"{mode}.step{step - 1}.G{scale}.img_final"]
                warped = warp(previous, cases[f"{key}.flow"], align_corners=True, padding_mode="border")
                weight = cases[f"{key}.weight"]
                blended = cases[f"{key}.img_raw"] * weight + warped * (1 - weight)
                assert torch.equal(blended, cases[f"{key}.img_final"]), key
                checked += 1
    assert checked == 6
