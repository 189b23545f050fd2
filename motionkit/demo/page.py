"""Render a finished gallery as one self-contained HTML page (inline CSS/JS; media files beside it)."""
from __future__ import annotations

import datetime
import math
import platform
from html import escape

import torch

from .. import __version__ as motionkit_version
from .gallery import GalleryRun, SectionRun
from .result import ROLES, MediaItem, MetricsTable

_CSS = """
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 0; color: #1d1d1f; background: #f5f5f7; }
header { background: #1d2433; color: #fff; padding: 18px 28px; }
header h1 { margin: 0 0 6px; font-size: 24px; }
header p { margin: 2px 0; color: #c9d1e0; font-size: 14px; }
nav { padding: 10px 28px; background: #e8eaf0; font-size: 14px; }
nav a { margin-right: 18px; color: #1d4ed8; text-decoration: none; }
main { padding: 8px 28px 40px; }
section { background: #fff; border-radius: 10px; padding: 14px 20px 18px; margin: 18px 0; box-shadow: 0 1px 3px rgba(0,0,0,.12); }
section h2 { margin: 4px 0 8px; font-size: 20px; }
.notes { color: #555; font-size: 14px; margin: 0 0 10px; padding-left: 18px; }
.badge { display: inline-block; font-size: 12px; padding: 2px 8px; border-radius: 10px; margin-left: 8px; vertical-align: middle; }
.ok { background: #dcfce7; color: #166534; } .bad { background: #fee2e2; color: #991b1b; } .info { background: #e0e7ff; color: #3730a3; }
h3 { font-size: 15px; margin: 14px 0 6px; color: #333; text-transform: capitalize; }
.groups { display: flex; flex-wrap: wrap; gap: 8px 28px; align-items: flex-start; }
.grid { display: flex; flex-wrap: wrap; gap: 14px; align-items: flex-start; }
figure { margin: 0; max-width: 520px; }
figure video, figure img { display: block; max-width: 100%; height: auto; image-rendering: pixelated; border: 1px solid #ddd; background: #000; }
figure img.plot { image-rendering: auto; background: #fff; }
figcaption { font-size: 13px; color: #444; margin-top: 4px; max-width: 100%; }
table.metrics { border-collapse: collapse; font-size: 14px; margin: 6px 0 4px; }
table.metrics th, table.metrics td { border: 1px solid #d4d4d8; padding: 4px 12px; text-align: right; }
table.metrics th:first-child, table.metrics td:first-child { text-align: left; }
table.metrics td.win { background: #dcfce7; font-weight: 600; }
.caption-small { font-size: 12px; color: #666; }
pre.error { background: #fff1f2; color: #881337; padding: 10px; overflow-x: auto; font-size: 12px; border-radius: 6px; }
"""

# Swap a video for its GIF when the browser cannot play the MP4 (no H.264 decoder, or a load error). The
# function is defined in <head> so the inline onerror handlers of <source> elements exist before any load.
_HEAD_JS = """
function motionkitUseGif(video) {
  if (!video || !video.parentNode || video.tagName !== 'VIDEO') return;
  var img = document.createElement('img');
  img.src = video.dataset.fallback;
  img.alt = video.getAttribute('aria-label') || '';
  img.width = video.width; img.height = video.height;
  video.parentNode.replaceChild(img, video);
}
"""
_END_JS = """
document.querySelectorAll('video[data-fallback]').forEach(function (video) {
  if (video.error || !video.canPlayType('video/mp4; codecs="avc1.64001E"')) motionkitUseGif(video);
});
"""


def _media_html(item: MediaItem) -> str:
    caption = escape(item.caption)
    size = f'width="{item.width}" height="{item.height}"'
    if item.kind == "video":
        body = (f'<video {size} autoplay loop muted playsinline preload="auto" aria-label="{caption}" '
                f'data-fallback="{escape(item.fallback or "")}" onerror="motionkitUseGif(this)">'
                f'<source src="{escape(item.path)}" type="video/mp4" onerror="motionkitUseGif(this.parentNode)"></video>')
    else:
        klass = ' class="plot"' if item.role == "training" else ""
        body = f'<img src="{escape(item.path)}" {size} alt="{caption}"{klass}>'
    return f"<figure>{body}<figcaption>{caption}</figcaption></figure>"


def _format(value: float) -> str:
    if not math.isfinite(value):
        return str(value)
    return f"{value:.4g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.2e}"


def _metrics_html(table: MetricsTable) -> str:
    rows = []
    for row in table.rows:
        arrow = "↑" if row.higher_is_better else "↓"
        method_class = ' class="win"' if row.beats_baseline else ""
        base_class = "" if row.beats_baseline else ' class="win"'
        rows.append(f"<tr><td>{escape(row.name)} {arrow}</td><td{method_class}>{_format(row.method)}</td>"
                    f"<td{base_class}>{_format(row.baseline)}</td></tr>")
    where = f'<div class="caption-small">evaluated on {escape(table.evaluated_on)}</div>' if table.evaluated_on else ""
    return ('<table class="metrics"><tr><th>metric</th><th>method</th>'
            f"<th>baseline: {escape(table.baseline)}</th></tr>{''.join(rows)}</table>{where}")


def _badges(run: SectionRun) -> str:
    badges = f'<span class="badge info">{run.elapsed_s:.0f} s of {run.budget_s:.0f} s</span>'
    if run.error is not None:
        return badges + '<span class="badge bad">failed</span>'
    if run.result is not None and run.result.metrics is not None:
        if run.result.metrics.beats_baseline:
            badges += '<span class="badge ok">beats the baseline</span>'
        else:
            badges += '<span class="badge bad">does not beat the baseline on every metric</span>'
    return badges


def _section_html(run: SectionRun) -> str:
    section = run.section
    parts = [f'<section id="{escape(section.name)}"><h2>{escape(section.title)}{_badges(run)}</h2>']
    if run.error is not None:
        parts.append(f'<pre class="error">{escape(run.error)}</pre></section>')
        return "".join(parts)
    result = run.result
    assert result is not None
    if result.notes:
        parts.append('<ul class="notes">' + "".join(f"<li>{escape(n)}</li>" for n in result.notes) + "</ul>")
    if result.metrics is not None:
        parts.append("<h3>metrics</h3>" + _metrics_html(result.metrics))
    groups = []
    for role in ROLES:
        items = [m for m in result.media if m.role == role]
        if items:
            heading = {"visualisation": "visualisations", "training": "training curves"}.get(role, role)
            groups.append(f'<div class="group"><h3>{escape(heading)}</h3>'
                          f'<div class="grid">{"".join(_media_html(m) for m in items)}</div></div>')
    parts.append(f'<div class="groups">{"".join(groups)}</div></section>')
    return "".join(parts)


def render_page(run: GalleryRun) -> str:
    """The whole ``index.html`` of a gallery run."""
    mode = "quick (CI)" if run.quick else "normal"
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    nav = "".join(f'<a href="#{escape(r.section.name)}">{escape(r.section.title)}</a>' for r in run.runs)
    body = "".join(_section_html(r) for r in run.runs)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>motionkit demo gallery</title><style>{_CSS}</style><script>{_HEAD_JS}</script></head><body>"
        "<header><h1>motionkit demo gallery</h1>"
        f"<p>Each installed method trained briefly on motionkit's built-in synthetic data, then ran on held-out clips.</p>"
        f"<p>mode: {mode} · device: {escape(run.device)} · seed: {run.seed} · "
        f"time: {run.elapsed_s:.0f} s of a {run.total_budget_s:.0f} s budget · {when} · "
        f"motionkit {escape(motionkit_version)}, torch {escape(torch.__version__)}, "
        f"Python {escape(platform.python_version())}</p></header>"
        f"<nav>{nav}</nav><main>{body}</main><script>{_END_JS}</script></body></html>"
    )
