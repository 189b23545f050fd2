"""Flow fields as colour images with the Middlebury colour wheel (Baker et al., IJCV 2011)."""

from __future__ import annotations

import torch
from torch import Tensor

from motionkit.ops._validation import check_shape

# hue segments of the wheel: red-yellow, yellow-green, green-cyan, cyan-blue, blue-magenta, magenta-red
_SEGMENTS = (15, 6, 4, 11, 13, 6)


def color_wheel(dtype: torch.dtype = torch.float32, device: torch.device | str | None = None) -> Tensor:
    """The 55 Middlebury wheel colours ``(55, 3)`` RGB in ``[0, 1]``, starting at red."""
    ry, yg, gc, cb, bm, mr = _SEGMENTS
    rows = []

    def ramp(n: int) -> list[int]:
        return [int(255 * i / n) for i in range(n)]  # floor, as in the reference implementation

    rows += [(255, r, 0) for r in ramp(ry)]
    rows += [(255 - r, 255, 0) for r in ramp(yg)]
    rows += [(0, 255, r) for r in ramp(gc)]
    rows += [(0, 255 - r, 255) for r in ramp(cb)]
    rows += [(r, 0, 255) for r in ramp(bm)]
    rows += [(255, 0, 255 - r) for r in ramp(mr)]
    return torch.tensor(rows, dtype=dtype, device=device) / 255


def flow_to_rgb(flow: Tensor, *, max_magnitude: float | None = None) -> Tensor:
    """Colour-code ``flow (B, 2, H, W)`` -> RGB ``(B, 3, H, W)`` in ``[0, 1]`` (for visualisation).

    Hue is the direction (rightward = red, the wheel turning through yellow, green, cyan, blue,
    magenta), saturation the magnitude relative to ``max_magnitude`` (default: each sample's
    largest magnitude); zero flow is white, vectors longer than ``max_magnitude`` are darkened
    to 75 %. Not differentiable.
    """
    check_shape(flow, "flow", "(B, 2, H, W)", 4, {1: 2})
    work = flow.detach().float()
    u, v = work[:, 0], work[:, 1]
    magnitude = torch.sqrt(u**2 + v**2)
    if max_magnitude is None:
        scale = magnitude.flatten(1).amax(dim=1).clamp_min(torch.finfo(torch.float32).eps).view(-1, 1, 1)
    else:
        if not max_magnitude > 0:
            raise ValueError(f"max_magnitude must be > 0, got {max_magnitude!r}")
        scale = torch.tensor(max_magnitude, device=flow.device)
    radius = magnitude / scale
    wheel = color_wheel(device=flow.device)
    count = wheel.shape[0]
    position = (torch.atan2(-v, -u) / torch.pi + 1) / 2 * (count - 1)
    lower = position.floor().long().clamp(0, count - 1)
    upper = (lower + 1) % count
    fraction = (position - lower).unsqueeze(-1)
    colour = (1 - fraction) * wheel[lower] + fraction * wheel[upper]  # (B, H, W, 3)
    radius = radius.unsqueeze(-1)
    colour = torch.where(radius <= 1, 1 - radius * (1 - colour), colour * 0.75)
    return colour.permute(0, 3, 1, 2).to(flow.dtype)
