"""Metrics for generated images and videos, from Python or ``motionkit evaluate``.

Every function takes frames in motionkit's conventions (images ``(N, 3, H, W)`` or videos
``(B, T, 3, H, W)``, float in [0, 1])::

    from motionkit import metrics
    metrics.psnr(prediction, target)                     # dB, mean over frames
    metrics.warping_error(video, flow_estimator=motionkit.create("flow", "dis"))
    metrics.fid(real, fake, "inception-2015-12-05.pt")   # networks come from files you provide

LPIPS, FID and FVD need network weights files; without them they raise
:class:`~motionkit.errors.MissingWeightsError` naming the file.
"""
from .evaluate import METRICS, EvaluationSettings, evaluate_pairs
from .fid import FIDFeatures, fid
from .frechet import frechet_distance, frechet_distance_from_statistics, gaussian_statistics
from .fvd import FVDFeatures, fvd
from .keypoints import keypoint_distance, keypoint_metrics
from .lpips import LPIPS, lpips
from .pixel import l1, psnr, ssim
from .warping import consistency_mask, warping_error

__all__ = [
    "EvaluationSettings", "FIDFeatures", "FVDFeatures", "LPIPS", "METRICS", "consistency_mask", "evaluate_pairs",
    "fid", "frechet_distance", "frechet_distance_from_statistics", "fvd", "gaussian_statistics",
    "keypoint_distance", "keypoint_metrics", "l1", "lpips", "psnr", "ssim", "warping_error",
]

#: metrics are functions, not registered components
COMPONENTS = ()
