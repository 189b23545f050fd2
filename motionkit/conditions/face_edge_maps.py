"""vid2vid's 15-channel edge-to-face input of real frames: face landmarks (face-alignment), the official part
curves and distance maps, Canny edges of the background, and the facial part labels.

Per frame, as the official face dataset builds the input of the released edge2face model:

* channel 0, the edge map: the curves of the 68 landmarks + synthesised forehead, plus the Canny edges of
  the frame's gray image where the part label is 0 (outside the face);
* channels 1..14: one distance map per drawn chain (:mod:`motionkit.conditions.face_parts` gives the
  geometry and the chain order);
* the part labels 0..6 (background, face, eyebrows, nose, eyes, outer lips, inner lips), returned beside the
  input by :meth:`FaceEdgeMaps.extract` (the official ``inst``: vid2vid's first-frame generator averages its
  features per part).

All values are in ``[0, 1]`` (the official input is not normalised to ``[-1, 1]``). Frames are used at the
size they are given: the official dataset crops the face region (2.5 face widths) and resizes the crop to
``loadSize`` before the generator sees it; give frames that are already such crops (``motionkit prepare
--crop track``).

Canny: the official code runs scikit-image's ``feature.canny`` with its defaults on PIL's 8-bit gray image
(Gaussian sigma 1 truncated at 4 sigma, i.e. a 9x9 kernel; hysteresis thresholds 0.1 and 0.2 on the
unnormalised Sobel magnitude of the image in ``[0, 1]``). Here kornia's ``canny`` runs on the gray image
rounded to 8 bits, with the same sigma, kernel size and thresholds (kornia's magnitude is the unnormalised
Sobel one too, so the thresholds carry over). It differs from scikit-image in: the blur at the border
(reflection; scikit-image pads with zeros and divides by the blurred mask), non-maximum suppression (the
gradient direction rounded to 45 degrees; scikit-image interpolates between the two neighbours), the
threshold comparisons (strict; scikit-image keeps magnitudes equal to a threshold) and the outermost row and
column (scikit-image never marks them). So background edges match scikit-image's on most pixels, not all.
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal, NamedTuple, Optional

import numpy as np
import torch
from pydantic import Field
from torch import Tensor

from ..errors import InputError
from ..interfaces import Config, ConditionExtractor
from .face_landmarks import FaceLandmarkEdges
from .canny import CannyConfig, CannyEdges
from .face_edges import check_landmarks
from .face_parts import NUM_CHANNELS, face_edge_input


class FaceEdgeInput(NamedTuple):
    """What :meth:`FaceEdgeMaps.extract` returns for ``B`` frames of ``H x W``."""

    input: Tensor                              #: (B, C, H, W) in [0, 1]; C = 15 (1 without distance maps)
    parts: Tensor                              #: (B, H, W) int64 part labels 0..6
    landmarks: list[Optional[np.ndarray]]      #: per frame (68, 2) pixels, or None (no face)


class BackgroundCannyConfig(CannyConfig):
    """The core ``canny`` settings with scikit-image's defaults, which the official face data uses: thresholds
    0.1 / 0.2 on the unnormalised Sobel magnitude, sigma 1, a 9x9 kernel (sigma 1 truncated at 4 sigma)."""

    kernel_size: int = Field(9, ge=3)


class FaceEdgeMapsConfig(Config):
    """Landmarks (as ``face-landmarks``): weights_dir, detector (``sfd`` or ``none`` for face crops),
    detector_threshold, flip_input. The official input: distance_maps (official: not ``--no_dist_map``),
    background_edges (official: not ``--no_canny_edge``). canny: the core ``canny`` extractor's settings for
    the background edges (``low_threshold``, ``high_threshold``, ``kernel_size``, ``sigma``), defaults
    scikit-image's (see the module docstring)."""

    weights_dir: Optional[Path] = None
    detector: Literal["sfd", "none"] = "sfd"
    detector_threshold: float = Field(0.5, ge=0.0)
    flip_input: bool = False
    distance_maps: bool = True
    background_edges: bool = True
    canny: BackgroundCannyConfig = Field(default_factory=BackgroundCannyConfig)


def _check_frames(frames: Tensor) -> None:
    if not isinstance(frames, Tensor) or frames.dim() != 4 or frames.shape[1] != 3:
        shape = tuple(frames.shape) if isinstance(frames, Tensor) else type(frames).__name__
        raise InputError(f"face-edge-maps: frames must be (B, 3, H, W) in [0, 1], got {shape}")
    if not frames.is_floating_point():
        raise InputError(f"face-edge-maps: frames must be a float tensor in [0, 1], got dtype {frames.dtype}")


class FaceEdgeMaps(ConditionExtractor):
    """``forward(frames (B, 3, H, W) in [0, 1]) -> (B, C, H, W)`` in [0, 1]: vid2vid's edge-to-face input
    (``C`` = 15; 1 with ``distance_maps: false``). :meth:`extract` also gives the part labels and landmarks;
    :meth:`render` draws the input from landmarks found elsewhere (no face-alignment pass).

    Needs the face-alignment weight files (``face-landmarks``'s; the error for missing ones names each).
    """

    name = "face-edge-maps"
    Config = FaceEdgeMapsConfig
    config: FaceEdgeMapsConfig

    def __init__(self, config: Optional[FaceEdgeMapsConfig] = None, **params) -> None:
        super().__init__(config, **params)
        c = self.config
        self.landmark_detector = FaceLandmarkEdges(
            weights_dir=c.weights_dir, detector=c.detector, detector_threshold=c.detector_threshold,
            flip_input=c.flip_input,
        )
        self.canny = CannyEdges(c.canny)

    @property
    def channels(self) -> int:
        """Channels of the input: 15, or 1 without distance maps."""
        return NUM_CHANNELS if self.config.distance_maps else 1

    def background(self, frames: Tensor) -> Tensor:
        """``(B, 3, H, W)`` in [0, 1] -> ``(B, H, W)`` bool Canny edges of the 8-bit gray image."""
        _check_frames(frames)
        import kornia  # imported on use: kornia adds ~0.4 s to every CLI start

        gray = torch.round(kornia.color.rgb_to_grayscale(frames.float().clamp(0, 1)) * 255) / 255
        return self.canny(gray)[:, 0] > 0.5

    def render(self, landmarks: list[Optional[np.ndarray]], frames: Tensor) -> FaceEdgeInput:
        """The input of ``frames (B, 3, H, W)`` in [0, 1] from per-frame ``(68, 2)`` pixel landmarks (x first;
        ``None`` where there is no face). ``frames`` give the size, the device and the background edges."""
        _check_frames(frames)
        if len(landmarks) != frames.shape[0]:
            raise InputError(f"face-edge-maps: {len(landmarks)} landmark sets for {frames.shape[0]} frames")
        height, width = frames.shape[-2:]
        background = self.background(frames).cpu().numpy() if self.config.background_edges else None
        inputs, parts = [], []
        for index, points in enumerate(landmarks):
            if points is not None:
                points = check_landmarks(points, f"face-edge-maps: landmarks[{index}]")
            image, labels = face_edge_input(
                points, height, width, None if background is None else background[index], self.config.distance_maps)
            inputs.append(torch.from_numpy(image))
            parts.append(torch.from_numpy(labels.astype(np.int64)))
        return FaceEdgeInput(
            torch.stack(inputs).to(device=frames.device, dtype=frames.dtype),
            torch.stack(parts).to(frames.device), list(landmarks))

    def extract(self, frames: Tensor) -> FaceEdgeInput:
        """Landmarks of ``frames (B, 3, H, W)`` in [0, 1] (face-alignment), then :meth:`render`."""
        _check_frames(frames)
        return self.render(self.landmark_detector.landmarks(frames), frames)

    def forward(self, frames: Tensor) -> Tensor:
        return self.extract(frames).input
