"""The demo's progress bar: one tqdm bar over the whole time budget, told what each section is doing."""
from __future__ import annotations

import sys
import time
from typing import Any, Optional

from tqdm import tqdm


class ProgressReporter:
    """Shows elapsed seconds against the total budget, the running section and its current stage.

    Sections call :meth:`stage` when they switch activity (``"training"``, ``"inference"``, ...) and
    :meth:`step` from their training loop; both are cheap (tqdm rate-limits redraws).
    """

    def __init__(self, total_s: float, *, enabled: bool = True) -> None:
        self.start = time.monotonic()
        self.section = ""
        self.bar: Optional[tqdm] = None
        if enabled:
            self.bar = tqdm(total=round(total_s), unit="s", file=sys.stderr, dynamic_ncols=True,
                            bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} s{postfix}")

    def begin_section(self, title: str) -> None:
        """A new section starts."""
        self.section = title
        self._show("starting")

    def stage(self, text: str) -> None:
        """The running section starts a new stage, e.g. ``"training"`` or ``"writing media"``."""
        self._show(text)

    def step(self, step: int, total: Optional[int] = None, **values: float) -> None:
        """Training progress: current step, optional planned total, and named scalar values (losses)."""
        text = f"step {step}" + (f"/{total}" if total else "")
        if values:
            text += " " + " ".join(f"{k}={v:.4g}" for k, v in values.items())
        self._show(text)

    def _show(self, text: str) -> None:
        if self.bar is None:
            return
        self.bar.set_description_str(self.section, refresh=False)
        self.bar.set_postfix_str(text, refresh=False)
        elapsed = time.monotonic() - self.start
        self.bar.n = min(elapsed, self.bar.total)
        self.bar.refresh()

    def close(self) -> None:
        """Finish the bar at the measured elapsed time."""
        if self.bar is not None:
            self.bar.n = min(time.monotonic() - self.start, self.bar.total)
            self.bar.close()

    def __enter__(self) -> "ProgressReporter":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
