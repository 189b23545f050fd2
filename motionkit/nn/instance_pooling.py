"""Instance-wise average pooling: replace every feature vector by the mean over its instance."""
from __future__ import annotations

import torch

from motionkit.errors import InputError


def instance_average(features: torch.Tensor, instances: torch.Tensor) -> torch.Tensor:
    """Average ``features`` ``(B, C, H, W)`` over each instance of ``instances`` ``(B, H, W)`` (integer ids).

    Every pixel gets the mean of its channel over all pixels of the same image with the same id
    (ids are per image: id 7 in image 0 and id 7 in image 1 are different instances). Vectorised with
    ``index_add``; differentiable with respect to ``features``. Returns ``(B, C, H, W)``, dtype of ``features``.
    """
    if features.dim() != 4:
        raise InputError(f"features must have shape (B, C, H, W), got {tuple(features.shape)}")
    if instances.dim() != 3 or instances.shape[0] != features.shape[0] or instances.shape[1:] != features.shape[2:]:
        raise InputError(
            f"instances must have shape (B, H, W) = {(features.shape[0], *features.shape[2:])} to match features, "
            f"got {tuple(instances.shape)}"
        )
    if instances.is_floating_point() or instances.dtype == torch.bool:
        raise InputError(f"instances must hold integer ids, got dtype {instances.dtype}")
    batch, channels = features.shape[:2]
    ids = instances.to(torch.int64)
    batch_index = torch.arange(batch, device=ids.device).view(batch, 1, 1).expand_as(ids)
    # one group per (image, id) pair
    _, group = torch.unique(torch.stack([batch_index.reshape(-1), ids.reshape(-1)]), dim=1, return_inverse=True)
    n_groups = int(group.max()) + 1
    flat = features.permute(0, 2, 3, 1).reshape(-1, channels)
    sums = flat.new_zeros(n_groups, channels).index_add(0, group, flat)
    counts = torch.bincount(group, minlength=n_groups).to(flat.dtype).unsqueeze(1)
    means = (sums / counts)[group]
    return means.view(batch, *features.shape[2:], channels).permute(0, 3, 1, 2).contiguous()
