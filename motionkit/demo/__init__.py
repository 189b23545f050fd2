"""The ``motionkit demo`` gallery: each plugin contributes sections through ``register_demo_sections``.

A section is a :class:`DemoSection` whose ``run(context: DemoContext) -> SectionResult`` trains briefly
within ``context.budget_s`` seconds (everything included: data, training, evaluation, media), saves its
media with ``context.video`` / ``context.image`` / ``context.loss_plot`` and returns them with a
:class:`MetricsTable` comparing the method with a trivial baseline. :func:`run_gallery` splits the total
budget by ``share`` (time a section leaves unused goes to the next ones) and writes ``index.html``;
``motionkit demo`` is its CLI. A minimal section, registered from a plugin module::

    from motionkit import DemoSection, hookimpl
    from motionkit.demo import MetricRow, MetricsTable, SectionResult
    from motionkit.demo.brief_training import train_for_seconds

    def run(context):
        method, next_batch = ...                      # build the method and a batch source on context.device
        history = train_for_seconds(method, next_batch, 0.75 * context.budget_s, lr=1e-3,
                                    progress=context.progress)
        prediction, baseline, truth = ...             # (T, 3, H, W) clips in [0, 1] on held-out data
        media = [context.video("ours", prediction, caption="generated", role="generated"),
                 context.video("truth", truth, caption="real", role="ground truth"),
                 context.loss_plot("losses", history.losses, caption="training losses")]
        table = MetricsTable("copy the first frame", (MetricRow("L1", ours_l1, baseline_l1, False),))
        return SectionResult(media, table, [f"trained {history.steps} steps"])

    @hookimpl
    def register_demo_sections(register):
        register(DemoSection(name="my-method", title="My method on sprites", run=run))

With a run config, ``train_for_seconds(..., progress=context.progress, **training_options(loaded.train,
context.device))`` takes its optimizer's learning rate, betas and schedule and its precision.
``context.quick`` asks for a CI-sized run (tiny data, seconds of training); the gallery test runs every
installed section that way.
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
