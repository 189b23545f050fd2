"""Score a method and its trivial baseline against the same ground truth, as a :class:`MetricsTable`."""
from __future__ import annotations

from typing import Callable, Mapping

import torch

from ..errors import InputError
from .result import MetricRow, MetricsTable

#: ``metric(prediction (N, 3, H, W), target (N, 3, H, W)) -> scalar tensor`` and whether higher is better
Metric = tuple[Callable[[torch.Tensor, torch.Tensor], torch.Tensor], bool]


def _as_images(video: torch.Tensor, name: str) -> torch.Tensor:
    if video.ndim == 5:
        video = video.flatten(0, 1)
    if video.ndim != 4 or video.shape[1] != 3:
        raise InputError(f"compare: {name} must be (N, T, 3, H, W) or (N, 3, H, W) in [0, 1], got {tuple(video.shape)}")
    return video.detach().float().cpu()


def compare_to_baseline(
    metrics: Mapping[str, Metric],
    method: torch.Tensor,
    baseline: torch.Tensor,
    target: torch.Tensor,
    *,
    baseline_name: str,
    evaluated_on: str = "",
) -> MetricsTable:
    """Evaluate each metric on ``method`` and ``baseline`` outputs against ``target``.

    Videos ``(N, T, 3, H, W)`` are scored frame by frame (all frames of all clips as one batch); the three
    tensors must have the same shape. Metrics that need more than two frames (e.g. warping error with flows)
    are computed by the section and added as extra :class:`MetricRow` s.
    """
    method, baseline, target = (_as_images(t, n) for t, n in ((method, "method"), (baseline, "baseline"),
                                                              (target, "target")))
    if not (method.shape == baseline.shape == target.shape):
        raise InputError(f"compare: shapes differ: method {tuple(method.shape)}, baseline {tuple(baseline.shape)}, "
                         f"target {tuple(target.shape)}")
    rows = []
    with torch.no_grad():
        for name, (metric, higher_is_better) in metrics.items():
            rows.append(MetricRow(name, float(metric(method, target)), float(metric(baseline, target)),
                                  higher_is_better))
    return MetricsTable(baseline_name, tuple(rows), evaluated_on)
