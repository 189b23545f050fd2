"""Write files and folders atomically: into a temporary sibling, renamed on success, removed on error."""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator, Union

PathLike = Union[str, os.PathLike]


class AtomicFile:
    """A temporary file next to ``path`` (same suffix, so tools pick the same format) that either
    replaces ``path`` (:meth:`commit`) or is deleted (:meth:`discard`)."""

    def __init__(self, path: PathLike) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(
            prefix=f".{self.path.stem}.", suffix=f".tmp{self.path.suffix}", dir=self.path.parent
        )
        os.close(handle)
        self.temp = Path(temp_name)

    def commit(self) -> Path:
        """Move the temporary file to ``path``."""
        os.replace(self.temp, self.path)
        return self.path

    def discard(self) -> None:
        """Delete the temporary file; ``path`` is left untouched."""
        self.temp.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_file(path: PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; it replaces ``path`` when the block succeeds and is
    deleted when the block raises, so nothing half-written ever appears under ``path``."""
    target = AtomicFile(path)
    try:
        yield target.temp
    except BaseException:
        target.discard()
        raise
    target.commit()


@contextlib.contextmanager
def atomic_folder(path: PathLike) -> Iterator[Path]:
    """Yield a temporary folder next to ``path``; on success it replaces ``path`` (which must not be a
    non-empty folder), on error it is removed."""
    final = Path(path)
    if final.is_dir() and any(final.iterdir()):
        raise FileExistsError(f"{final}: folder exists and is not empty")
    final.parent.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent))
    try:
        yield temp
        if final.is_dir():
            final.rmdir()
        os.replace(temp, final)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
