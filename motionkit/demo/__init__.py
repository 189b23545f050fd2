"""The ``motionkit demo`` gallery: each plugin contributes sections through ``register_demo_sections``.

A section is a :class:`DemoSection` whose ``run(context: DemoContext) -> SectionResult`` trains briefly
within ``context.budget_s`` seconds, saves its media with ``context.video`` / ``context.image`` /
``context.loss_plot`` and returns them with a :class:`MetricsTable` comparing the method with a trivial
baseline. :func:`run_gallery` runs the sections and writes ``index.html``; ``motionkit demo`` is its CLI.
"""
from .context import DemoContext
from .gallery import DEFAULT_BUDGET_S, GalleryRun, SectionRun, run_gallery
from .progress import ProgressReporter
from .result import ROLES, MediaItem, MetricRow, MetricsTable, SectionResult
from .section import DemoSection

__all__ = [
    "DEFAULT_BUDGET_S", "DemoContext", "DemoSection", "GalleryRun", "MediaItem", "MetricRow", "MetricsTable",
    "ProgressReporter", "ROLES", "SectionResult", "SectionRun", "run_gallery",
]
