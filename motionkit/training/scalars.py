"""Scalar logging of a run: ``scalars.csv`` (``step,name,value``) and TensorBoard events in ``tensorboard/``."""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Optional

from ..checkpoint import atomic_write

CSV_FILE = "scalars.csv"
CSV_HEADER = ["step", "name", "value"]


def truncate_csv(path: Path, last_step: int) -> None:
    """Drop rows logged after ``last_step`` (a resumed run re-logs them), rewriting atomically."""
    if not path.is_file():
        return
    with path.open(newline="") as f:
        rows = [r for r in csv.DictReader(f) if r.get("step", "").isdigit() and int(r["step"]) <= last_step]

    def write(tmp: Path) -> None:
        with tmp.open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=CSV_HEADER)
            writer.writeheader()
            writer.writerows(rows)

    atomic_write(path, write)


def read_scalars(path: Path) -> dict[str, list[tuple[int, float]]]:
    """``{name: [(step, value), ...]}`` from a run's ``scalars.csv``."""
    series: dict[str, list[tuple[int, float]]] = {}
    with Path(path).open(newline="") as f:
        for row in csv.DictReader(f):
            series.setdefault(row["name"], []).append((int(row["step"]), float(row["value"])))
    return series


class ScalarLog:
    """Appends scalars to the CSV file and, optionally, to TensorBoard; rows are flushed as written."""

    def __init__(self, run_dir: Path, *, resume_step: int = 0, tensorboard: bool = True) -> None:
        self.path = Path(run_dir) / CSV_FILE
        truncate_csv(self.path, resume_step)
        new = not self.path.is_file()
        self._file = self.path.open("a", newline="")
        self._writer = csv.writer(self._file)
        if new:
            self._writer.writerow(CSV_HEADER)
        self._tb = None
        if tensorboard:
            from torch.utils.tensorboard import SummaryWriter

            # purge_step drops events a killed run wrote after the checkpoint being resumed
            self._tb = SummaryWriter(str(Path(run_dir) / "tensorboard"), purge_step=resume_step + 1 if resume_step else None)

    def log(self, step: int, values: dict[str, float]) -> None:
        """Record ``values`` at ``step``."""
        for name, value in values.items():
            self._writer.writerow([step, name, repr(float(value))])
            if self._tb is not None:
                self._tb.add_scalar(name, value, step)
        self._file.flush()

    def close(self) -> None:
        self._file.close()
        if self._tb is not None:
            self._tb.close()

    def __enter__(self) -> "ScalarLog":
        return self

    def __exit__(self, *exc: object) -> Optional[bool]:
        self.close()
        return None
