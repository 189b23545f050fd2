"""Face landmarks with face-alignment (FAN + S3FD), rendered to vid2vid-style face edge maps.

face-alignment normally downloads its weights; here they must already be on disk: in the torch hub cache
(``<torch hub dir>/checkpoints``, where face-alignment itself caches them) or in ``weights_dir``, under
their official file names (:func:`required_weight_files`). The error for missing weights names each file
and where to get it.
"""
from __future__ import annotations

import inspect
import os
import tempfile
import warnings
from pathlib import Path
from typing import Literal, Optional
from urllib.parse import urlparse

import numpy as np
import torch
from pydantic import Field
from torch import Tensor

from ..errors import InputError, MissingWeightsError
from ..interfaces import Config, ConditionExtractor
from ..io.convert import tensor_to_frame
from .face_edges import face_edge_map


def _weight_urls(detector: str) -> dict[str, str]:
    """Official download URL of each weight file the configuration needs, keyed by file name."""
    from face_alignment import api
    from face_alignment.detection.sfd import sfd_detector

    urls = [api.models_urls["2DFAN-4"]]
    if detector == "sfd":
        urls.append(sfd_detector.models_urls["s3fd"])
    return {os.path.basename(urlparse(url).path): url for url in urls}


def required_weight_files(detector: str = "sfd") -> list[str]:
    """File names face-alignment loads: the 2D FAN landmark network and, with ``detector="sfd"``, S3FD."""
    return list(_weight_urls(detector))


def default_weights_dir() -> Path:
    """Where face-alignment caches downloads: ``<torch hub dir>/checkpoints``."""
    return Path(torch.hub.get_dir()) / "checkpoints"


def _two_d_landmarks():
    from face_alignment import LandmarksType

    kind = getattr(LandmarksType, "TWO_D", None)
    return kind if kind is not None else getattr(LandmarksType, "_2D")


class FaceLandmarksConfig(Config):
    """weights_dir: folder holding the weight files (default: the torch hub checkpoints folder);
    detector: ``"sfd"`` (S3FD face detector) or ``"none"`` (frames are face crops: the whole frame is the
    face box); detector_threshold: minimum detection score; thickness: edge width in pixels; forehead:
    close the outline over the forehead; flip_input: also run FAN on the mirrored crop and average."""

    weights_dir: Optional[Path] = None
    detector: Literal["sfd", "none"] = "sfd"
    detector_threshold: float = Field(0.5, ge=0.0)
    thickness: int = Field(2, ge=1, le=16)
    forehead: bool = True
    flip_input: bool = False


class FaceLandmarkEdges(ConditionExtractor):
    """``forward(frames (B, 3, H, W) in [0, 1]) -> (B, 1, H, W)`` face edge maps (1 on edges, 0 elsewhere;
    all zeros where no face is found). :meth:`landmarks` gives the ``(68, 2)`` pixel landmarks of the most
    confident face of each frame (``None`` where there is none).

    The face-alignment model is built on the first call, on the device of the frames.
    """

    name = "face-landmarks"
    Config = FaceLandmarksConfig
    config: FaceLandmarksConfig

    def __init__(self, config: Optional[FaceLandmarksConfig] = None, **params) -> None:
        super().__init__(config, **params)
        self.weights_dir = Path(self.config.weights_dir) if self.config.weights_dir else default_weights_dir()
        urls = _weight_urls(self.config.detector)
        missing = [name for name in urls if not (self.weights_dir / name).is_file()]
        if missing:
            where = "\n".join(f"  {self.weights_dir / name}  (from {urls[name]})" for name in missing)
            raise MissingWeightsError(
                f"face-landmarks: missing face-alignment weight file(s); place them here (or set weights_dir):\n{where}")
        self._models: dict[str, object] = {}

    def _model(self, device: torch.device):
        key = str(device)
        if key not in self._models:
            self._models[key] = self._build(device)
        return self._models[key]

    def _build(self, device: torch.device):
        from face_alignment import FaceAlignment

        names = required_weight_files(self.config.detector)
        kwargs = {"device": str(device), "flip_input": self.config.flip_input}
        if "compile" in inspect.signature(FaceAlignment.__init__).parameters:
            kwargs["compile"] = False
        if self.config.detector == "sfd":
            kwargs["face_detector"] = "sfd"
            kwargs["face_detector_kwargs"] = {"path_to_detector": str(self.weights_dir / names[1]),
                                              "filter_threshold": self.config.detector_threshold}
        else:
            kwargs["face_detector"] = "folder"
        # face-alignment reads FAN from <hub dir>/checkpoints/<name>: point a temporary hub dir at our file
        with tempfile.TemporaryDirectory() as hub:
            (Path(hub) / "checkpoints").mkdir()
            os.symlink((self.weights_dir / names[0]).resolve(), Path(hub) / "checkpoints" / names[0])
            previous = torch.hub.get_dir()
            torch.hub.set_dir(hub)
            try:
                return FaceAlignment(_two_d_landmarks(), **kwargs)
            except Exception as error:
                raise MissingWeightsError(
                    f"face-landmarks: could not load face-alignment weights from {self.weights_dir} "
                    f"({', '.join(names)}): {type(error).__name__}: {error}") from error
            finally:
                torch.hub.set_dir(previous)

    @torch.no_grad()
    def landmarks(self, frames: Tensor) -> list[Optional[np.ndarray]]:
        """``(B, 3, H, W)`` in [0, 1] -> per frame ``(68, 2)`` float32 landmarks in pixels, or ``None``."""
        if not isinstance(frames, Tensor) or frames.dim() != 4 or frames.shape[1] != 3:
            shape = tuple(frames.shape) if isinstance(frames, Tensor) else type(frames).__name__
            raise InputError(f"face-landmarks: frames must be (B, 3, H, W) in [0, 1], got {shape}")
        model = self._model(frames.device)
        results: list[Optional[np.ndarray]] = []
        for index, frame in enumerate(frames):
            image = tensor_to_frame(frame, f"frames[{index}]")
            height, width = image.shape[:2]
            if self.config.detector == "sfd":
                boxes = model.face_detector.detect_from_image(image.copy())
                boxes = [np.asarray(b) for b in boxes if b[-1] >= self.config.detector_threshold]
                if not boxes:
                    results.append(None)
                    continue
                best = max(boxes, key=lambda b: float(b[-1]))
                faces = [best]
            else:
                faces = [np.array([0.0, 0.0, width - 1.0, height - 1.0, 1.0])]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                found = model.get_landmarks_from_image(image, detected_faces=faces)
            results.append(None if not found else np.asarray(found[0][:, :2], dtype=np.float32))
        return results

    def draw(self, landmarks: list[Optional[np.ndarray]], height: int, width: int) -> Tensor:
        """Per-frame landmarks (as :meth:`landmarks` returns) -> ``(B, 1, H, W)`` float32 edge maps."""
        maps = []
        for points in landmarks:
            edges = (np.zeros((height, width), np.uint8) if points is None else
                     face_edge_map(points, height, width, self.config.thickness, self.config.forehead))
            maps.append(torch.from_numpy(edges.astype(np.float32) / 255.0))
        return torch.stack(maps)[:, None]

    def forward(self, frames: Tensor) -> Tensor:
        edges = self.draw(self.landmarks(frames), frames.shape[-2], frames.shape[-1])
        return edges.to(device=frames.device, dtype=frames.dtype)


class S3FDFaceDetector:
    """face-alignment's S3FD face detector with local weights, as a crop-helper detector:
    ``detector(frame uint8 (H, W, 3) RGB) -> [(x0, y0, x1, y1, score), ...]``."""

    def __init__(self, weights_dir: Optional[Path] = None, threshold: float = 0.5, device: str = "cpu") -> None:
        from face_alignment.detection.sfd import FaceDetector

        folder = Path(weights_dir) if weights_dir else default_weights_dir()
        name = required_weight_files("sfd")[1]
        if not (folder / name).is_file():
            url = _weight_urls("sfd")[name]
            raise MissingWeightsError(f"face detector: missing weight file {folder / name} (from {url})")
        self.threshold = threshold
        self._detector = FaceDetector(device, path_to_detector=str(folder / name), filter_threshold=threshold)

    def __call__(self, frame: np.ndarray) -> list[tuple[float, float, float, float, float]]:
        boxes = self._detector.detect_from_image(np.ascontiguousarray(frame).copy())
        return [tuple(float(v) for v in box[:5]) for box in boxes if float(box[4]) >= self.threshold]
