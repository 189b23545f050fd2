"""Line plots of training curves drawn with PIL (no plotting library needed)."""
from __future__ import annotations

import math
from typing import Mapping, Optional, Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

#: curve colours (RGB), cycled
PALETTE: tuple[tuple[int, int, int], ...] = (
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75),
    (227, 119, 194), (127, 127, 127),
)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round tick values (1, 2 or 5 times a power of ten apart) covering ``[low, high]``."""
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"nice_ticks: bounds must be finite, got [{low}, {high}]")
    if high <= low:
        high = low + (abs(low) or 1.0) * 1e-3
    raw = (high - low) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    ticks, value = [], first
    while value <= high + step * 1e-9:
        if value >= low - step * 1e-9:
            ticks.append(round(value, 12))
        value += step
    return ticks


def _format_tick(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 1e4 or abs(value) < 1e-3:
        return f"{value:.0e}"
    return f"{value:.6g}"


def smooth(values: Sequence[float], weight: float) -> np.ndarray:
    """Exponential moving average (``weight`` in [0, 1), 0 = none) of a curve, ignoring non-finite values."""
    if not 0 <= weight < 1:
        raise ValueError(f"smooth: weight must be in [0, 1), got {weight}")
    out = np.empty(len(values), dtype=np.float64)
    state: Optional[float] = None
    for i, v in enumerate(values):
        if math.isfinite(v):
            state = v if state is None else weight * state + (1 - weight) * v
        out[i] = state if state is not None else math.nan
    return out


def line_plot(
    curves: Mapping[str, Sequence[float]],
    *,
    steps: Optional[Mapping[str, Sequence[float]]] = None,
    title: str = "",
    x_label: str = "step",
    log_y: bool = False,
    smoothing: float = 0.0,
    size: tuple[int, int] = (520, 300),
) -> Image.Image:
    """Draw named curves on one set of axes and return an RGB PIL image of ``size`` (width, height).

    :param curves: ``{name: values}``; non-finite values are skipped.
    :param steps: x values per curve (default ``0..len-1``).
    :param log_y: log10 y axis (non-positive values are skipped).
    :param smoothing: exponential moving average weight applied before drawing (the raw curve is drawn faint).
    """
    if not curves:
        raise ValueError("line_plot: no curves given")
    width, height = size
    font = ImageFont.load_default(size=12)
    image = Image.new("RGB", size, (255, 255, 255))
    draw = ImageDraw.Draw(image)
    legend_width = 34 + max(draw.textlength(name, font=font) for name in curves)
    left, right, top, bottom = 58, 12 + legend_width, 26 if title else 10, 34

    series = []
    for name, values in curves.items():
        ys = np.asarray(values, dtype=np.float64)
        xs = np.asarray(steps[name], dtype=np.float64) if steps and name in steps else np.arange(len(ys), dtype=np.float64)
        if xs.shape != ys.shape:
            raise ValueError(f"line_plot: curve '{name}' has {len(ys)} values but {len(xs)} steps")
        shown = smooth(ys, smoothing) if smoothing else ys
        if log_y:
            ys = np.where(ys > 0, ys, np.nan)
            shown = np.where(shown > 0, shown, np.nan)
            ys, shown = np.log10(ys), np.log10(shown)
        series.append((name, xs, ys, shown))

    all_x = np.concatenate([s[1][np.isfinite(s[2])] for s in series])
    all_y = np.concatenate([s[2][np.isfinite(s[2])] for s in series])
    if all_y.size == 0:
        raise ValueError("line_plot: every value is non-finite (or non-positive with log_y)")
    x0, x1 = float(all_x.min()), float(all_x.max())
    y0, y1 = float(all_y.min()), float(all_y.max())
    if x1 <= x0:
        x1 = x0 + 1.0
    x_ticks = nice_ticks(x0, x1)
    if log_y:
        y_ticks = [float(v) for v in range(math.floor(y0), math.ceil(y1) + 1)]
        if len(y_ticks) < 2:
            y_ticks = [math.floor(y0), math.floor(y0) + 1.0]
    else:
        y_ticks = nice_ticks(y0, y1)
    y0, y1 = min(y0, y_ticks[0]), max(y1, y_ticks[-1])
    if y1 <= y0:
        y1 = y0 + 1.0

    def to_px(x: float, y: float) -> tuple[float, float]:
        px = left + (x - x0) / (x1 - x0) * (width - left - right)
        py = height - bottom - (y - y0) / (y1 - y0) * (height - top - bottom)
        return px, py

    if title:
        draw.text((width / 2, 4), title, fill=(0, 0, 0), font=font, anchor="ma")
    for t in y_ticks:
        _, py = to_px(x0, t)
        draw.line([(left, py), (width - right, py)], fill=(230, 230, 230))
        label = _format_tick(10 ** t) if log_y else _format_tick(t)
        draw.text((left - 4, py), label, fill=(60, 60, 60), font=font, anchor="rm")
    for t in x_ticks:
        if t < x0 or t > x1:
            continue
        px, _ = to_px(t, y0)
        draw.line([(px, top), (px, height - bottom)], fill=(240, 240, 240))
        draw.text((px, height - bottom + 4), _format_tick(t), fill=(60, 60, 60), font=font, anchor="ma")
    draw.rectangle([left, top, width - right, height - bottom], outline=(120, 120, 120))
    draw.text(((left + width - right) / 2, height - 4), x_label, fill=(60, 60, 60), font=font, anchor="md")

    for i, (name, xs, ys, shown) in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        if smoothing:
            faint = tuple(int(c + (255 - c) * 0.7) for c in colour)
            _polyline(draw, [to_px(x, y) for x, y in zip(xs, ys)], faint)
        _polyline(draw, [to_px(x, y) for x, y in zip(xs, shown)], colour, width=2)
    # legend, right of the axes
    legend_x, legend_y = width - legend_width - 4, top
    for i, (name, *_rest) in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        draw.line([(legend_x + 4, legend_y + 7), (legend_x + 22, legend_y + 7)], fill=colour, width=3)
        draw.text((legend_x + 28, legend_y), name, fill=(0, 0, 0), font=font)
        legend_y += 16
    return image


def _polyline(draw: ImageDraw.ImageDraw, points: list[tuple[float, float]], colour: tuple[int, ...],
              width: int = 1) -> None:
    """Draw a line through the finite points; non-finite points break it."""
    run: list[tuple[float, float]] = []
    for p in points + [(math.nan, math.nan)]:
        if math.isfinite(p[0]) and math.isfinite(p[1]):
            run.append(p)
            continue
        if len(run) == 1:
            draw.point(run[0], fill=colour)
        elif run:
            draw.line(run, fill=colour, width=width, joint="curve")
        run = []
