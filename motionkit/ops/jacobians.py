"""Inverting batches of 2 x 2 jacobians with ``torch.inverse`` in any floating dtype."""

from __future__ import annotations

import torch
from torch import Tensor

from motionkit.errors import InputError
from motionkit.ops._validation import check_tensor

_LOW_PRECISION = (torch.float16, torch.bfloat16)


def invert_jacobians(jacobians: Tensor) -> Tensor:
    """Inverse of each matrix in ``jacobians (..., 2, 2)``, same shape and dtype.

    ``torch.inverse`` (LU), as the official first-order-model code uses, not the closed form,
    so float32/float64 results are bit-identical to it. float16/bfloat16 (which LAPACK does not
    support) are inverted in float32 and cast back.
    """
    check_tensor(jacobians, "jacobians")
    if jacobians.shape[-2:] != (2, 2):
        raise InputError(f"jacobians must have shape (..., 2, 2), got {tuple(jacobians.shape)}")
    if jacobians.dtype in _LOW_PRECISION:
        return torch.inverse(jacobians.float()).to(jacobians.dtype)
    return torch.inverse(jacobians)
