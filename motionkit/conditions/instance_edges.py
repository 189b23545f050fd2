"""Instance boundary map, as pix2pixHD and vid2vid feed it to their generators."""
from __future__ import annotations

import torch

from motionkit.errors import InputError


def instance_edges(instances: torch.Tensor) -> torch.Tensor:
    """``(B, H, W)`` integer instance ids -> ``(B, 1, H, W)`` float edge map.

    A pixel is 1 where any of its 4 neighbours has a different id (both pixels of such a pair are marked),
    else 0. Follows the device of ``instances``; the result is float32.
    """
    if not isinstance(instances, torch.Tensor) or instances.dim() != 3:
        shape = tuple(instances.shape) if isinstance(instances, torch.Tensor) else type(instances).__name__
        raise InputError(f"instances must be a (B, H, W) integer tensor, got {shape}")
    if instances.is_floating_point():
        raise InputError(f"instances must hold integer ids, got dtype {instances.dtype}")
    edge = torch.zeros(instances.shape, dtype=torch.bool, device=instances.device)
    horizontal = instances[:, :, 1:] != instances[:, :, :-1]
    vertical = instances[:, 1:, :] != instances[:, :-1, :]
    edge[:, :, 1:] |= horizontal
    edge[:, :, :-1] |= horizontal
    edge[:, 1:, :] |= vertical
    edge[:, :-1, :] |= vertical
    return edge.unsqueeze(1).float()
