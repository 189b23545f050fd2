"""Run demo sections within a shared time budget and write the gallery page."""
from __future__ import annotations

import shutil
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

import torch

from ..errors import MotionkitError
from ..io.atomic import atomic_file
from .context import DemoContext
from .media import make_readable
from .progress import ProgressReporter
from .result import SectionResult
from .section import DemoSection

#: total seconds for all sections together (imports and page writing come on top: a few seconds)
DEFAULT_BUDGET_S = {"normal": 450.0, "quick": 100.0}
#: a file marking a folder as a motionkit gallery, so re-running may replace its section folders
MARKER = ".motionkit-demo"
#: a section never gets less than this fraction of its fair share, even after others overran
MIN_SHARE_FRACTION = 0.25


@dataclass
class SectionRun:
    """How one section went: its budget, the measured time, and its result or error (a traceback)."""

    section: DemoSection
    budget_s: float
    elapsed_s: float
    result: Optional[SectionResult] = None
    error: Optional[str] = None


@dataclass
class GalleryRun:
    """A finished gallery: settings, per-section runs and the written ``index.html``."""

    out_dir: Path
    quick: bool
    device: str
    seed: int
    total_budget_s: float
    elapsed_s: float = 0.0
    runs: list[SectionRun] = field(default_factory=list)

    @property
    def index(self) -> Path:
        return self.out_dir / "index.html"

    @property
    def failed(self) -> list[SectionRun]:
        return [r for r in self.runs if r.error is not None]


def section_budget(remaining_s: float, share: float, remaining_shares: float, fair_s: float) -> float:
    """Seconds for the next section: its share of what is left of the total (so time a finished section did
    not use goes to the following ones), but at least :data:`MIN_SHARE_FRACTION` of ``fair_s``, its share of
    the full budget."""
    if share <= 0 or remaining_shares <= 0:
        raise ValueError(f"section_budget: shares must be positive (share={share}, remaining={remaining_shares})")
    return max(remaining_s * share / remaining_shares, MIN_SHARE_FRACTION * fair_s)


def select_sections(sections: Sequence[DemoSection], names: Optional[Sequence[str]]) -> list[DemoSection]:
    """The sections named in ``names`` (all when ``None``), in registry order; unknown names are errors."""
    if names is None:
        return list(sections)
    known = {s.name for s in sections}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise MotionkitError(
            f"--methods: no demo section named {', '.join(repr(n) for n in unknown)}; "
            f"installed sections: {', '.join(sorted(known)) or 'none'}"
        )
    return [s for s in sections if s.name in set(names)]


def prepare_out_dir(out_dir: Path, sections: Sequence[DemoSection]) -> None:
    """Create ``out_dir`` (or reuse a previous gallery there) and empty the selected sections' folders.

    Refuses a non-empty folder that is not a motionkit gallery, so ``--out`` never deletes unrelated files.
    """
    if out_dir.exists() and not out_dir.is_dir():
        raise MotionkitError(f"--out {out_dir}: exists and is not a folder")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / MARKER).exists():
        raise MotionkitError(f"--out {out_dir}: folder is not empty and holds no motionkit gallery "
                             f"(no {MARKER} file); choose an empty or new folder")
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / MARKER).write_text("written by `motionkit demo`; its section folders are replaced on re-run\n")
    for section in sections:
        shutil.rmtree(out_dir / section.name, ignore_errors=True)


def run_gallery(
    sections: Sequence[DemoSection],
    out_dir: Path,
    *,
    total_budget_s: float,
    quick: bool,
    device: str = "cpu",
    seed: int = 0,
    show_progress: bool = True,
) -> GalleryRun:
    """Run ``sections`` one after the other within ``total_budget_s`` seconds and write ``out_dir/index.html``.

    Each section gets a share of the time left proportional to its ``share``. A section that raises is
    shown in the gallery with its traceback; the others still run.
    """
    from .page import render_page

    if not sections:
        raise MotionkitError("no demo sections to run: install a method plugin (pip install -e plugins/<name>) "
                             "or check `motionkit plugins` for plugins that failed to load")
    if total_budget_s <= 0:
        raise ValueError(f"total budget must be positive, got {total_budget_s} s")
    out_dir = Path(out_dir)
    prepare_out_dir(out_dir, sections)
    run = GalleryRun(out_dir=out_dir, quick=quick, device=str(device), seed=seed, total_budget_s=total_budget_s)
    total_shares = sum(s.share for s in sections)
    started = time.monotonic()
    with ProgressReporter(total_budget_s, enabled=show_progress) as progress:
        for index, section in enumerate(sections):
            remaining_shares = sum(s.share for s in sections[index:])
            budget = section_budget(total_budget_s - (time.monotonic() - started), section.share, remaining_shares,
                                    total_budget_s * section.share / total_shares)
            progress.begin_section(section.title)
            torch.manual_seed(seed)
            context = DemoContext(gallery_dir=out_dir, folder=section.name, budget_s=budget, quick=quick,
                                  device=torch.device(device), seed=seed, progress=progress)
            result, error = None, None
            try:
                result = section.run(context)
                if not isinstance(result, SectionResult):
                    raise TypeError(f"demo section '{section.name}' returned {type(result).__name__}, "
                                    "expected a motionkit.demo.SectionResult")
            except Exception:  # noqa: BLE001 - a failing section is shown in the gallery, the others run
                result, error = None, traceback.format_exc()
            run.runs.append(SectionRun(section, budget, context.elapsed(), result, error))
        progress.stage("writing the gallery page")
        run.elapsed_s = time.monotonic() - started
        with atomic_file(run.index) as temp:
            temp.write_text(render_page(run), encoding="utf-8")
        make_readable(run.index)
    return run
