"""What a gallery section gets: where to write, how long it may run, and helpers to save its media."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional, Sequence, Union

import torch
from PIL import Image

from .media import save_image, save_video
from .plot import line_plot
from .progress import ProgressReporter
from .result import MediaItem


@dataclass
class DemoContext:
    """Run-time settings of one section.

    gallery_dir: the gallery folder (``index.html`` lives there).
    folder: this section's media sub-folder, relative to ``gallery_dir`` (the section's name).
    budget_s: seconds this section may use in total: training, inference and writing media.
    quick: CI mode: smaller data and models, a budget of seconds rather than minutes.
    device: where to train and run.
    seed: seed for data and initialisation (the gallery seeds torch with it before the section runs).
    progress: the progress bar; call ``progress.stage(...)`` / ``progress.step(...)``.
    """

    gallery_dir: Path
    folder: str
    budget_s: float
    quick: bool
    device: torch.device
    seed: int
    progress: ProgressReporter
    started: float = field(default_factory=time.monotonic)

    @property
    def out_dir(self) -> Path:
        """Absolute path of this section's media folder (created on demand)."""
        path = self.gallery_dir / self.folder
        path.mkdir(parents=True, exist_ok=True)
        return path

    def elapsed(self) -> float:
        """Seconds since the section started."""
        return time.monotonic() - self.started

    def time_left(self) -> float:
        """Seconds left of ``budget_s`` (negative when over budget)."""
        return self.budget_s - self.elapsed()

    def video(self, name: str, frames: torch.Tensor, *, caption: str, role: str, fps: float = 8.0) -> MediaItem:
        """Save ``frames`` ``(T, 3, H, W)`` in [0, 1] as MP4 + GIF fallback; see :func:`media.save_video`."""
        return save_video(self.gallery_dir, self.folder, name, frames, caption=caption, role=role, fps=fps)

    def image(self, name: str, image: Union[torch.Tensor, Image.Image], *, caption: str, role: str) -> MediaItem:
        """Save a ``(3, H, W)`` tensor in [0, 1] or a PIL image as PNG."""
        return save_image(self.gallery_dir, self.folder, name, image, caption=caption, role=role)

    def loss_plot(self, name: str, curves: Mapping[str, Sequence[float]], *, caption: str,
                  steps: Optional[Mapping[str, Sequence[float]]] = None, log_y: bool = True) -> MediaItem:
        """Draw training curves ``{loss name: values per step}`` and save them as a PNG (role ``training``)."""
        smoothing = 0.9 if max(len(v) for v in curves.values()) > 50 else 0.0
        plot = line_plot(curves, steps=steps, title=caption, log_y=log_y, smoothing=smoothing)
        return self.image(name, plot, caption=caption, role="training")
