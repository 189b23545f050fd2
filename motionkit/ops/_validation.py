"""Argument checks shared by the ``motionkit.ops`` functions (clear errors naming the tensor)."""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor

from motionkit.errors import InputError

_PADDING_MODES = ("zeros", "border", "reflection")
_SAMPLING_MODES = ("bilinear", "nearest", "bicubic")
FLOW_UNITS = ("pixels", "normalized")


def check_tensor(value: object, name: str) -> Tensor:
    """Raise TypeError unless ``value`` is a floating-point tensor."""
    if not isinstance(value, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    if not value.is_floating_point():
        raise InputError(f"{name} must be a floating-point tensor, got dtype {value.dtype}")
    return value


def check_shape(value: object, name: str, layout: str, ndim: int, sizes: dict[int, int] | None = None) -> Tensor:
    """Check ``value`` is a float tensor with ``ndim`` dims; ``sizes`` maps dim index -> size.

    ``layout`` is the documented layout (e.g. ``"(B, 2, H, W)"``) quoted in the error.
    """
    tensor = check_tensor(value, name)
    ok = tensor.dim() == ndim and all(tensor.shape[i] == n for i, n in (sizes or {}).items())
    if not ok:
        raise InputError(f"{name} must have shape {layout}, got {tuple(tensor.shape)}")
    return tensor


def check_same_spatial(a: Tensor, a_name: str, b: Tensor, b_name: str) -> None:
    """Raise ValueError unless the last two dims (H, W) of ``a`` and ``b`` agree."""
    if a.shape[-2:] != b.shape[-2:]:
        raise InputError(
            f"{a_name} and {b_name} must have the same spatial size (H, W), got "
            f"{tuple(a.shape[-2:])} and {tuple(b.shape[-2:])}"
        )


def check_batch(a: Tensor, a_name: str, b: Tensor, b_name: str) -> None:
    """Raise ValueError unless ``a`` and ``b`` have the same batch size (dim 0)."""
    if a.shape[0] != b.shape[0]:
        raise InputError(f"{a_name} and {b_name} must have the same batch size, got {a.shape[0]} and {b.shape[0]}")


def check_size(size: Sequence[int], name: str = "size") -> tuple[int, int]:
    """Return ``(height, width)`` from a 2-sequence of positive ints."""
    if len(size) != 2 or not all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in size):
        raise ValueError(f"{name} must be (height, width) with two positive ints, got {tuple(size)!r}")
    return int(size[0]), int(size[1])


def check_align_corners(align_corners: object) -> bool:
    """``align_corners`` must be passed explicitly as a bool."""
    if not isinstance(align_corners, bool):
        raise TypeError(f"align_corners must be True or False, got {align_corners!r}")
    return align_corners


def check_choice(value: str, name: str, choices: Sequence[str]) -> str:
    """Raise ValueError unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {value!r}")
    return value


def check_padding_mode(mode: str) -> str:
    return check_choice(mode, "padding_mode", _PADDING_MODES)


def check_sampling_mode(mode: str) -> str:
    return check_choice(mode, "mode", _SAMPLING_MODES)


def same_device_dtype(a: Tensor, a_name: str, b: Tensor, b_name: str) -> None:
    """Raise ValueError unless ``a`` and ``b`` live on one device with one dtype."""
    if a.device != b.device:
        raise InputError(f"{a_name} is on {a.device} but {b_name} is on {b.device}")
    if a.dtype != b.dtype:
        raise InputError(f"{a_name} has dtype {a.dtype} but {b_name} has dtype {b.dtype}")
