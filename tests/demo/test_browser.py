"""Open a generated gallery in headless Chromium: every image and video loads, no console errors."""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
import torch
from chromium_cdp import Chromium
from demo_toy_plugin import ToyPlugin

from motionkit.cli import main
from motionkit.plugins import load_plugins, set_registry
from motionkit.testing import TestRegistry

#: total seconds for every installed section in this test (far below the real --quick budget)
TEST_BUDGET_S = 30

MEDIA_STATE = """
Array.from(document.querySelectorAll('main img, main video')).map(function (e) {
  return {tag: e.tagName, src: e.currentSrc || e.src, complete: e.tagName === 'IMG' ? e.complete : null,
          naturalWidth: e.naturalWidth === undefined ? null : e.naturalWidth,
          readyState: e.tagName === 'VIDEO' ? e.readyState : null,
          error: e.tagName === 'VIDEO' && e.error ? e.error.code : null,
          paused: e.tagName === 'VIDEO' ? e.paused : null};
})
"""


@pytest.fixture(scope="module")
def quick_gallery(tmp_path_factory) -> Path:
    """``motionkit demo --quick`` with every installed plugin plus a test plugin, on a tiny budget."""
    registry = load_plugins(TestRegistry(), strict=False)
    registry.add_plugin(ToyPlugin(), "toy-plugin")
    previous, threads = set_registry(registry), torch.get_num_threads()
    out = tmp_path_factory.mktemp("gallery")
    torch.set_num_threads(1)  # tiny tensors: one thread avoids thread-pool overhead
    try:
        status = main(["demo", "--out", str(out), "--quick", "--budget", str(TEST_BUDGET_S), "--no-progress"])
    finally:
        set_registry(previous)
        torch.set_num_threads(threads)
    assert status == 0, "a gallery section failed; see its traceback in " + str(out / "index.html")
    return out / "index.html"


@pytest.mark.browser
def test_gallery_media_load_without_console_errors(chromium, quick_gallery, tmp_path):
    with Chromium(str(chromium)) as browser:
        browser.open(quick_gallery.as_uri())
        deadline = time.monotonic() + 20
        while True:
            media = browser.evaluate(MEDIA_STATE)
            pending = [m for m in media if (m["tag"] == "VIDEO" and m["readyState"] < 2 and m["error"] is None)
                       or (m["tag"] == "IMG" and not m["complete"])]
            playing = any(m["tag"] == "VIDEO" and not m["paused"] for m in media)  # off-screen ones may wait
            if (not pending and playing) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        screenshot = browser.screenshot(tmp_path / "gallery.png")
        errors = browser.console_errors()
    keep = os.environ.get("MOTIONKIT_SCREENSHOT_DIR")
    if keep:
        shutil.copy(screenshot, Path(keep) / "gallery.png")
    assert media, "the gallery shows no media"
    assert any(m["tag"] == "VIDEO" for m in media), "no video element survived: the MP4 fallback to GIF kicked in"
    for m in media:
        if m["tag"] == "IMG":
            assert m["complete"] and m["naturalWidth"] > 0, f"image did not load: {m}"
        else:
            assert m["error"] is None and m["readyState"] >= 2, f"video did not load: {m}"
    assert any(m["tag"] == "VIDEO" and not m["paused"] for m in media), "no video autoplays"
    assert errors == []
    assert screenshot.stat().st_size > 10_000
