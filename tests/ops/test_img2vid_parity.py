"""motionkit.ops warping against the official seg2vid (img2vid) fixture.

Fixture: ``$MOTIONKIT_PARITY_DIR/img2vid`` (default /work/shared/parity/img2vid; see its README).
seg2vid warps with ``grid = linspace_grid - flow * mask`` (normalised units, align_corners=True),
i.e. its flows point the other way: the motionkit backward flow is ``-(flow * mask)``.
"""

import os
from pathlib import Path

import pytest
import torch

from motionkit.ops import warp_sequence

FIXTURE = Path(os.environ.get("MOTIONKIT_PARITY_DIR", "/work/shared/parity")) / "img2vid"
pytestmark = pytest.mark.skipif(not (FIXTURE / "cases.safetensors").exists(), reason=f"no fixture at {FIXTURE}")


def test_warped_frames_are_bit_identical_to_official():
    from safetensors.torch import load_file

    cases = load_file(str(FIXTURE / "cases.safetensors"))
    first_frame = cases["data_u8"][:, 0].float() / 255
    flows = -(cases["flow"] * cases["mask_fw"].unsqueeze(1)).permute(0, 2, 1, 3, 4)  # (B, T, 2, H, W)
    warped = warp_sequence(first_frame, flows, align_corners=True, units="normalized")
    assert torch.equal(warped, cases["output"])
