"""The edge2face feature bank (official ``features.npy``): safe loading and the nearest-neighbour lookup.

The released edge2face model starts a video with a single-image generator whose extra input ``z`` comes
from the training set: the feature encoder's part-averaged features of the real first frame are compared
with the features stored for every training image, and ``z`` is filled, part by part, with the stored
features of the nearest training image.

``features.npy`` (from ``edge2face_single/``) is a pickled dict ``{part label: (N, nz + 1) float array}``,
one row per training image (the last column is not a feature: the official code drops it). ``np.load`` would
unpickle it with full pickle powers (a crafted file runs code); :meth:`FaceFeatureBank.load` parses the
``.npy`` header with :mod:`numpy.lib.format` and unpickles the payload with an unpickler that resolves only
the numpy globals an array needs (array reconstruction, ``ndarray``, ``dtype``, numpy scalars); a file that
names any other global is refused with the file and the global named, before anything is called.

Lookup (official ``get_face_features`` with ``dists_min``): per image, the test feature of each part label
present is the encoder output at that part (constant over the part); the distance to training image ``m``
is the squared distance summed over those labels and the ``nz`` channels; the nearest ``m`` (the first on
ties) is used for every part, each part label taking row ``min(m, rows - 1)`` of its own array. The
candidates are the rows that every present label has (the official code takes the row count of label 6
and leaves absent labels' terms uninitialised; with all labels present and equal row counts, as in the
released file, both are the same).
"""
from __future__ import annotations

import importlib
import io
import os
import pickle
from pathlib import Path
from typing import Mapping, Union

import numpy as np
import torch
from numpy.lib import format as npy_format
from torch import Tensor

from motionkit.errors import CheckpointError, InputError, MissingWeightsError

PathLike = Union[str, os.PathLike]

#: the only globals a features file may name: what pickled numpy arrays and scalars need
_ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
}


class _Refused(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class _ArrayUnpickler(pickle.Unpickler):
    """Resolves only :data:`_ALLOWED_GLOBALS` (numpy 1.x and 2.x module names); refuses every other global."""

    def find_class(self, module: str, name: str):
        if (module, name) not in _ALLOWED_GLOBALS:
            raise _Refused(f"{module}.{name}")
        if module.endswith("multiarray"):
            for candidate in ("numpy._core.multiarray", "numpy.core.multiarray"):
                try:
                    return getattr(importlib.import_module(candidate), name)
                except (ImportError, AttributeError):
                    continue
            raise _Refused(f"{module}.{name}")
        return getattr(np, name)


def read_pickled_npy(path: PathLike) -> object:
    """The object stored in an ``.npy`` file written with ``allow_pickle=True``, unpickled safely (see the
    module docstring). Python-2 pickles are read with ``latin1`` as the official code does.

    Raises :class:`~motionkit.errors.MissingWeightsError` for a missing file and
    :class:`~motionkit.errors.CheckpointError` naming the file for a refused or unreadable one."""
    path = Path(path)
    if not path.is_file():
        raise MissingWeightsError(f"{path}: features file not found")
    data = path.read_bytes()
    stream = io.BytesIO(data)
    try:
        version = npy_format.read_magic(stream)
        if version == (1, 0):
            shape, _, dtype = npy_format.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, _, dtype = npy_format.read_array_header_2_0(stream)
        else:
            raise ValueError(f"unsupported .npy format version {version}")
    except ValueError as error:
        raise CheckpointError(f"{path}: not a readable .npy file ({error})") from None
    if not dtype.hasobject:
        raise CheckpointError(
            f"{path}: holds a plain {dtype} array of shape {shape}; expected a pickled dict of feature arrays")
    try:
        loaded = _ArrayUnpickler(stream, encoding="latin1").load()
    except _Refused as refused:
        raise CheckpointError(
            f"{path}: refused: the pickle references the global {refused.name}, which loading would call; "
            "only numpy arrays, dtypes and scalars are accepted") from None
    except Exception as error:  # pickle raises many types for damaged data
        raise CheckpointError(f"{path}: not a readable pickled .npy file ({type(error).__name__}: {error})") from None
    if isinstance(loaded, np.ndarray) and loaded.dtype.hasobject and loaded.shape == ():
        loaded = loaded.item()
    return loaded


class FaceFeatureBank:
    """Training features per part label: ``features[label]`` is a float32 ``(N_label, >= nz)`` tensor.

    Build with :meth:`load` (a ``features.npy`` file) or from a mapping (tests, other sources); ``source``
    names where they came from in errors."""

    def __init__(self, features: Mapping[int, np.ndarray], nz: int = 16, source: str = "features") -> None:
        self.source = source
        self.nz = nz
        if not isinstance(features, Mapping) or not features:
            raise InputError(f"{source}: expected a non-empty dict {{part label: (N, {nz} + 1) array}}, "
                             f"got {type(features).__name__}")
        self.features: dict[int, Tensor] = {}
        for key, value in features.items():
            if isinstance(key, bool) or not isinstance(key, (int, np.integer)):
                raise InputError(f"{source}: part labels must be integers, got key {key!r}")
            array = np.asarray(value)
            if array.dtype.kind not in "fiu" or array.ndim != 2 or array.shape[0] == 0 or array.shape[1] < nz:
                raise InputError(
                    f"{source}[{int(key)}]: expected a (N >= 1, >= {nz}) numeric array, got {array.dtype} {array.shape}")
            self.features[int(key)] = torch.from_numpy(np.ascontiguousarray(array[:, :nz], dtype=np.float32))

    @classmethod
    def load(cls, path: PathLike, nz: int = 16) -> "FaceFeatureBank":
        """The bank of an official ``features.npy`` (read by :func:`read_pickled_npy`)."""
        return cls(read_pickled_npy(path), nz=nz, source=str(path))

    def nearest_index(self, part_features: Mapping[int, Tensor]) -> int:
        """Index of the training image nearest to ``part_features`` (``{label: (nz,)}``, the labels present)."""
        missing = sorted(set(part_features) - set(self.features))
        if missing:
            raise InputError(f"{self.source}: no stored features for part label(s) {missing} "
                             f"(it has {sorted(self.features)})")
        rows = min(self.features[label].shape[0] for label in part_features)
        distances = None
        for label, feature in part_features.items():
            stored = self.features[label][:rows].to(feature.device)
            term = ((stored - feature.float()[None]) ** 2).sum(1)
            distances = term if distances is None else distances + term
        return int(torch.argmin(distances))

    def feature_map(self, encoded: Tensor, parts: Tensor) -> Tensor:
        """``z`` for the single-image generator: ``encoded (B, nz, H, W)`` (the feature encoder's output,
        constant per part) and ``parts (B, H, W)`` integer labels -> ``(B, nz, H, W)`` float32, each part filled
        with its stored feature of the nearest training image (module docstring)."""
        if encoded.dim() != 4 or encoded.shape[1] != self.nz:
            raise InputError(f"encoded: expected (B, {self.nz}, H, W), got {tuple(encoded.shape)}")
        if parts.dim() != 3 or parts.shape[0] != encoded.shape[0] or parts.shape[1:] != encoded.shape[2:]:
            raise InputError(f"parts: expected (B, H, W) = {(encoded.shape[0], *encoded.shape[2:])}, "
                             f"got {tuple(parts.shape)}")
        if parts.is_floating_point():
            raise InputError(f"parts: expected integer part labels, got dtype {parts.dtype}")
        out = torch.empty(encoded.shape, dtype=torch.float32, device=encoded.device)
        for b in range(encoded.shape[0]):
            labels = [int(v) for v in torch.unique(parts[b])]
            flat = parts[b].reshape(-1)
            present = {}
            for label in labels:
                first = int(torch.nonzero(flat == label)[0, 0])  # the official code reads the first pixel
                present[label] = encoded[b].reshape(self.nz, -1)[:, first]
            index = self.nearest_index(present)
            for label in labels:
                stored = self.features[label]
                value = stored[min(index, stored.shape[0] - 1)].to(out.device)
                mask = parts[b] == label
                out[b][:, mask] = value[:, None]
        return out
