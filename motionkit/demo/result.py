"""What a gallery section returns: media (videos, images, plots), a metrics table and notes."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional

#: media roles, in the order the gallery shows them
ROLES: tuple[str, ...] = ("input", "condition", "generated", "ground truth", "baseline", "visualisation", "training")


@dataclass(frozen=True)
class MediaItem:
    """One picture or clip of a section, as written under the gallery folder.

    kind: ``"video"`` or ``"image"``.
    path: file path relative to the gallery folder (MP4 for videos, PNG for images).
    caption: text shown under the media.
    role: one of :data:`ROLES` (inputs/conditions, generated, ground truth, baseline, visualisation, training).
    fallback: for videos, a GIF of the same frames (relative path) shown where the browser cannot play MP4.
    width, height: pixel size of the file.
    """

    kind: str
    path: str
    caption: str
    role: str
    width: int
    height: int
    fallback: Optional[str] = None

    def __post_init__(self) -> None:
        if self.kind not in ("video", "image"):
            raise ValueError(f"MediaItem {self.path}: kind must be 'video' or 'image', got {self.kind!r}")
        if self.role not in ROLES:
            raise ValueError(f"MediaItem {self.path}: role must be one of {', '.join(ROLES)}, got {self.role!r}")


@dataclass(frozen=True)
class MetricRow:
    """One metric for the method and for the trivial baseline on the same held-out clips."""

    name: str
    method: float
    baseline: float
    higher_is_better: bool

    @property
    def beats_baseline(self) -> bool:
        """True when the method's value is strictly better than the baseline's (finite values only)."""
        if not (math.isfinite(self.method) and math.isfinite(self.baseline)):
            return False
        return self.method > self.baseline if self.higher_is_better else self.method < self.baseline


@dataclass(frozen=True)
class MetricsTable:
    """Metrics of a method against a trivial baseline (e.g. "copy the source frame")."""

    baseline: str
    rows: tuple[MetricRow, ...]
    evaluated_on: str = ""

    @property
    def beats_baseline(self) -> bool:
        """True when the method beats the baseline on every row."""
        return bool(self.rows) and all(r.beats_baseline for r in self.rows)


@dataclass
class SectionResult:
    """Everything a section shows: media in role order, an optional metrics table and short notes
    (e.g. ``"trained 420 steps in 95 s on 64x64 sprites"``)."""

    media: list[MediaItem] = field(default_factory=list)
    metrics: Optional[MetricsTable] = None
    notes: list[str] = field(default_factory=list)
