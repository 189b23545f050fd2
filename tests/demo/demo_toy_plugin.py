"""A throwaway plugin for the gallery tests: one section showing every kind of media the gallery supports."""
from __future__ import annotations

import math

import torch

from motionkit import hookimpl
from motionkit.demo import DemoContext, DemoSection, MetricRow, MetricsTable, SectionResult
from motionkit.demo.visuals import draw_keypoints, gray_to_rgb, side_by_side


def moving_square(frames: int = 8, size: int = 32) -> tuple[torch.Tensor, torch.Tensor]:
    """A red square sliding right: clip ``(T, 3, H, W)`` and its centre as keypoints ``(T, 1, 2)``."""
    clip = torch.zeros(frames, 3, size, size)
    clip[:, 2] = 0.25
    centres = torch.zeros(frames, 1, 2)
    side = size // 4
    for t in range(frames):
        x = round(t * (size - side) / max(frames - 1, 1))
        clip[t, :, side:2 * side, x:x + side] = torch.tensor([1.0, 0.1, 0.1]).view(3, 1, 1)
        centres[t, 0] = torch.tensor([(x + side / 2) / size * 2 - 1, 1.5 * side / size * 2 - 1])
    return clip, centres


def run_toy_section(context: DemoContext) -> SectionResult:
    """A section that 'trains' for a few steps and shows every kind of media the gallery supports."""
    losses = []
    for step in range(40):
        losses.append(math.exp(-step / 10))
        context.progress.step(step, 40, loss=losses[-1])
    clip, centres = moving_square()
    occlusion = clip.mean(dim=1, keepdim=True)
    media = [
        context.video("source", clip[:1].expand(len(clip), -1, -1, -1), caption="source frame", role="input"),
        context.video("generated", clip, caption="toy prediction", role="generated"),
        context.video("truth", clip, caption="toy ground truth", role="ground truth"),
        context.video("compare", side_by_side(clip, clip.flip(0)), caption="forward | reversed", role="visualisation"),
        context.video("keypoints", draw_keypoints(clip, centres), caption="square centre", role="visualisation"),
        context.image("occlusion", gray_to_rgb(occlusion)[0], caption="brightness map", role="visualisation"),
        context.loss_plot("losses", {"toy": losses}, caption="toy loss"),
    ]
    table = MetricsTable("copy the source", (MetricRow("L1", 0.01, 0.1, False),), evaluated_on="one toy clip")
    return SectionResult(media, table, [f"budget {context.budget_s:.1f} s, quick={context.quick}"])


class ToyPlugin:
    """A plugin registered by a test, contributing one gallery section."""

    def __init__(self, name: str = "toy", title: str = "Toy method (test plugin)", share: float = 1.0,
                 run=run_toy_section) -> None:
        self.section = DemoSection(name=name, title=title, run=run, share=share)

    @hookimpl
    def register_demo_sections(self, register) -> None:
        register(self.section)
