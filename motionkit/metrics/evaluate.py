"""Evaluating generated videos against reference videos: every requested metric with its protocol.

Used by ``motionkit evaluate``; callable from Python with tensors through :func:`evaluate_pairs`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

import torch

import motionkit

from ..errors import InputError
from .fid import FIDFeatures
from .frechet import frechet_distance
from .fvd import RESOLUTION as FVD_RESOLUTION
from .fvd import FVDFeatures
from .keypoints import keypoint_metrics
from .lpips import LPIPS, lpips
from .pixel import l1, psnr, ssim
from .warping import warping_error
from .weights import file_sha256

METRICS = ("l1", "psnr", "ssim", "lpips", "fid", "fvd", "warping", "akd")
FRAME_FORMAT = "RGB float (3, H, W) in [0, 1]"


@dataclass
class EvaluationSettings:
    """What to compute and with which networks (weights files, flow estimator, keypoint detector)."""

    metrics: tuple[str, ...] = ("l1", "psnr", "ssim")
    lpips_backbone: Optional[Path] = None
    lpips_linear: Optional[Path] = None
    fid_weights: Optional[Path] = None
    fvd_weights: Optional[Path] = None
    fvd_clip_length: int = 16
    flow_estimator: Optional[Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = None
    flow_name: str = ""
    flow_on: str = "reference"  # frames the warping-error flow is estimated on: "reference" or "generated"
    keypoint_detector: Optional[Callable[[torch.Tensor], Any]] = None
    keypoint_name: str = ""
    keypoint_threshold: float = 0.0
    device: str = "cpu"
    extra_protocol: dict[str, Any] = field(default_factory=dict)

    def check(self) -> None:
        """Refuse unknown metrics and missing networks before any video is read."""
        unknown = [m for m in self.metrics if m not in METRICS]
        if unknown:
            raise InputError(f"unknown metric(s) {', '.join(unknown)}; available: {', '.join(METRICS)}")
        if "warping" in self.metrics and self.flow_estimator is None:
            raise InputError("metric warping needs a flow estimator (--flow NAME, e.g. dis)")
        if "akd" in self.metrics and self.keypoint_detector is None:
            raise InputError("metric akd needs a keypoint detector (--keypoints KIND:NAME)")
        if self.flow_on not in ("reference", "generated"):
            raise InputError(f"flow_on must be 'reference' or 'generated', got {self.flow_on!r}")


def _weights_record(path: Path) -> dict[str, str]:
    return {"file": Path(path).name, "sha256": file_sha256(path)}


class _Accumulator:
    """Frame-count weighted means of per-frame metrics, and features for the Fréchet metrics."""

    def __init__(self) -> None:
        self.sums: dict[str, float] = {}
        self.counts: dict[str, int] = {}
        self.features: dict[str, list[torch.Tensor]] = {}

    def add_mean(self, name: str, value: float, count: int) -> None:
        self.sums[name] = self.sums.get(name, 0.0) + value * count
        self.counts[name] = self.counts.get(name, 0) + count

    def mean(self, name: str) -> float:
        return self.sums[name] / self.counts[name]

    def add_features(self, name: str, features: torch.Tensor) -> None:
        self.features.setdefault(name, []).append(features)

    def stacked(self, name: str) -> torch.Tensor:
        return torch.cat(self.features[name])


def _clips(video: torch.Tensor, length: int) -> torch.Tensor:
    """Non-overlapping clips ``(n, length, 3, H, W)`` of a video ``(T, 3, H, W)``."""
    n = video.shape[0] // length
    return video[: n * length].reshape(n, length, *video.shape[1:])


def evaluate_pairs(pairs: Iterable[tuple[torch.Tensor, torch.Tensor]], settings: EvaluationSettings) -> dict[str, Any]:
    """Metrics over pairs ``(generated (T, 3, H, W), reference (T, 3, H, W))`` in [0, 1].

    Returns ``{"metrics": {name: {"value": float, "unit": str, "protocol": {...}}}, "videos": n, "frames": n}``.
    Per-frame metrics are averaged over all frames of all videos; FID pools every frame; FVD uses
    non-overlapping clips of ``fvd_clip_length`` frames; the warping error averages over videos.
    """
    settings.check()
    wanted = set(settings.metrics)
    lpips_net = LPIPS(settings.lpips_backbone, settings.lpips_linear).to(settings.device) if "lpips" in wanted else None
    fid_net = FIDFeatures(settings.fid_weights, settings.device) if "fid" in wanted else None
    fvd_net = FVDFeatures(settings.fvd_weights, settings.device) if "fvd" in wanted else None
    acc = _Accumulator()
    videos = frames = 0
    resolution: Optional[tuple[int, int]] = None
    for generated, reference in pairs:
        if generated.shape != reference.shape:
            raise InputError(f"video {videos}: generated {tuple(generated.shape)} and reference {tuple(reference.shape)} differ")
        resolution = resolution or tuple(generated.shape[-2:])
        t = generated.shape[0]
        videos, frames = videos + 1, frames + t
        if "l1" in wanted:
            acc.add_mean("l1", float(l1(generated, reference)), t)
        if "psnr" in wanted:
            acc.add_mean("psnr", float(psnr(generated, reference)), t)
        if "ssim" in wanted:
            acc.add_mean("ssim", float(ssim(generated, reference)), t)
        if lpips_net is not None:
            acc.add_mean("lpips", float(lpips(generated, reference, lpips_net)), t)
        if fid_net is not None:
            acc.add_features("fid_real", fid_net(reference))
            acc.add_features("fid_fake", fid_net(generated))
        if fvd_net is not None:
            real_clips, fake_clips = _clips(reference, settings.fvd_clip_length), _clips(generated, settings.fvd_clip_length)
            if len(real_clips):
                acc.add_features("fvd_real", fvd_net(real_clips))
                acc.add_features("fvd_fake", fvd_net(fake_clips))
        if "warping" in wanted:
            flow_frames = reference if settings.flow_on == "reference" else generated
            value = warping_error(generated.unsqueeze(0), flow_estimator=settings.flow_estimator,
                                  flow_frames=flow_frames.unsqueeze(0))
            acc.add_mean("warping", float(value), 1)
        if "akd" in wanted:
            for name, value in keypoint_metrics(generated, reference, settings.keypoint_detector,
                                                settings.keypoint_threshold).items():
                acc.add_mean(name, value, t)
    if not videos:
        raise InputError("no videos to evaluate")
    base = {"resolution": list(resolution), "frame_format": FRAME_FORMAT, **settings.extra_protocol}
    results: dict[str, dict[str, Any]] = {}

    def put(name: str, value: float, unit: str, **protocol: Any) -> None:
        results[name] = {"value": value, "unit": unit, "protocol": {**base, **protocol}}

    per_frame = "mean over all frames of all videos"
    if "l1" in wanted:
        put("l1", acc.mean("l1"), "intensity in [0, 1]", aggregation="mean absolute difference, " + per_frame)
    if "psnr" in wanted:
        put("psnr", acc.mean("psnr"), "dB", data_range=1.0, aggregation="per-frame PSNR, " + per_frame)
    if "ssim" in wanted:
        put("ssim", acc.mean("ssim"), "similarity in [-1, 1]", window="gaussian 11x11, sigma 1.5", data_range=1.0,
            aggregation=per_frame)
    if lpips_net is not None:
        put("lpips", acc.mean("lpips"), "distance", network="LPIPS v0.1, AlexNet", aggregation=per_frame,
            weights={"backbone": _weights_record(lpips_net.backbone_path), "linear": _weights_record(lpips_net.linear_path)})
    if fid_net is not None:
        put("fid", frechet_distance(acc.stacked("fid_real"), acc.stacked("fid_fake")), "Fréchet distance",
            network_input="uint8 RGB (N, 3, H, W), resized by the network", samples=frames,
            weights=_weights_record(fid_net.path))
    if fvd_net is not None:
        if "fvd_real" not in acc.features:
            raise InputError(f"FVD needs videos of at least {settings.fvd_clip_length} frames (fvd_clip_length)")
        real = acc.stacked("fvd_real")
        put("fvd", frechet_distance(real, acc.stacked("fvd_fake")), "Fréchet distance",
            clip_length=settings.fvd_clip_length, clips=int(real.shape[0]),
            network_input=f"(B, 3, T, {FVD_RESOLUTION}, {FVD_RESOLUTION}) in [-1, 1], bilinear resize",
            weights=_weights_record(fvd_net.path))
    if "warping" in wanted:
        put("warping", acc.mean("warping"), "squared intensity", flow=settings.flow_name or "given callable",
            flow_estimated_on=settings.flow_on, mask="forward-backward consistency (Sundaram et al. 2010)",
            aggregation="mean over videos")
    if "akd" in wanted:
        protocol = {"detector": settings.keypoint_name or "given callable", "threshold": settings.keypoint_threshold}
        put("akd", acc.mean("akd"), "pixels", aggregation=per_frame, **protocol)
        if "mkr" in acc.sums:
            put("mkr", acc.mean("mkr"), "fraction of keypoints", aggregation=per_frame, **protocol)
    return {"motionkit": motionkit.__version__, "videos": videos, "frames": frames, "metrics": results}

