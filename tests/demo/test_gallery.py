"""The gallery runner and `motionkit demo`: sections from plugins, budgets, selection, failures, files."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import torch
from demo_toy_plugin import ToyPlugin, run_toy_section

from motionkit.cli import main
from motionkit.demo import DemoSection, SectionResult, run_gallery
from motionkit.demo.gallery import MARKER, section_budget
from motionkit.io.ffmpeg import ffmpeg_exe


def demo(out: Path, *extra: str) -> int:
    return main(["demo", "--out", str(out), "--quick", "--budget", "6", "--no-progress", *extra])


def probe(path: Path) -> str:
    """ffmpeg's description of a media file's streams."""
    return subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True).stderr


def test_plugin_section_appears_in_gallery(registry, tmp_path):
    registry.add_plugin(ToyPlugin(), "toy-plugin")
    assert demo(tmp_path / "gallery") == 0
    page = (tmp_path / "gallery" / "index.html").read_text()
    assert "Toy method (test plugin)" in page and 'id="toy"' in page
    for name in ("source", "generated", "truth", "compare", "keypoints"):
        assert f'src="toy/{name}.mp4"' in page and f'data-fallback="toy/{name}.gif"' in page
        info = probe(tmp_path / "gallery" / "toy" / f"{name}.mp4")
        assert "h264" in info and "yuv420p" in info, info
        assert (tmp_path / "gallery" / "toy" / f"{name}.gif").stat().st_size > 0
    assert 'src="toy/occlusion.png"' in page and 'src="toy/losses.png"' in page
    assert "beats the baseline" in page and "copy the source" in page
    assert "quick=True" in page  # the section saw the --quick flag


def test_methods_selects_sections_and_rejects_unknown_names(registry, tmp_path, capsys):
    registry.add_plugin(ToyPlugin("alpha", "Alpha"), "alpha-plugin")
    registry.add_plugin(ToyPlugin("beta", "Beta"), "beta-plugin")
    assert demo(tmp_path / "g", "--methods", "beta") == 0
    page = (tmp_path / "g" / "index.html").read_text()
    assert 'id="beta"' in page and 'id="alpha"' not in page
    assert demo(tmp_path / "g", "--methods", "beta,gamma") == 1
    error = capsys.readouterr().err
    assert "gamma" in error and "alpha" in error and "beta" in error


def test_no_sections_installed_is_a_clear_error(registry, tmp_path, capsys):
    assert demo(tmp_path / "g") == 1
    assert "no demo sections" in capsys.readouterr().err


def test_failing_section_is_shown_and_others_still_run(registry, tmp_path, capsys):
    def broken(context):
        raise RuntimeError("the toy network diverged")

    def wrong_type(context):
        return {"media": []}

    registry.add_plugin(ToyPlugin("broken", "Broken", run=broken), "broken-plugin")
    registry.add_plugin(ToyPlugin("wrong", "Wrong type", run=wrong_type), "wrong-plugin")
    registry.add_plugin(ToyPlugin(), "toy-plugin")
    assert demo(tmp_path / "g") == 1
    page = (tmp_path / "g" / "index.html").read_text()
    assert "RuntimeError: the toy network diverged" in page
    assert "expected a motionkit.demo.SectionResult" in page
    assert 'src="toy/generated.mp4"' in page
    error = capsys.readouterr().err
    assert "section 'broken' failed" in error and "section 'wrong' failed" in error


def test_budget_is_split_by_share_and_unused_time_moves_on(tmp_path):
    seen = {}

    def record(name):
        def run(context):
            seen[name] = context.budget_s
            return SectionResult()
        return run

    sections = [DemoSection("a", "A", record("a"), share=1.0), DemoSection("b", "B", record("b"), share=3.0)]
    gallery = run_gallery(sections, tmp_path / "g", total_budget_s=40, quick=True, show_progress=False)
    assert seen["a"] == pytest.approx(10, abs=0.5)
    assert seen["b"] == pytest.approx(40, abs=0.5)  # a finished at once: b gets everything left
    assert [r.section.name for r in gallery.runs] == ["a", "b"]


def test_section_budget_floor_after_an_overrun():
    assert section_budget(remaining_s=30, share=1, remaining_shares=2, fair_s=20) == 15
    assert section_budget(remaining_s=-5, share=1, remaining_shares=1, fair_s=20) == 5  # a quarter of fair
    with pytest.raises(ValueError, match="shares must be positive"):
        section_budget(10, 0, 1, 10)


def test_out_dir_with_unrelated_files_is_refused(registry, tmp_path, capsys):
    registry.add_plugin(ToyPlugin(), "toy-plugin")
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    assert demo(out) == 1
    assert "holds no motionkit gallery" in capsys.readouterr().err
    assert (out / "thesis.tex").read_text() == "precious"


def test_rerun_replaces_only_the_selected_section_folders(registry, tmp_path):
    registry.add_plugin(ToyPlugin(), "toy-plugin")
    out = tmp_path / "g"
    assert demo(out) == 0
    stale = out / "toy" / "stale.png"
    stale.write_bytes(b"old")
    (out / "notes.txt").write_text("keep")
    assert (out / MARKER).exists()
    assert demo(out) == 0
    assert not stale.exists() and (out / "notes.txt").exists()


def test_list_bad_budget_and_threads(registry, tmp_path, capsys):
    registry.add_plugin(ToyPlugin(), "toy-plugin")
    assert main(["demo", "--list"]) == 0
    assert "toy" in capsys.readouterr().out
    assert main(["demo", "--out", str(tmp_path / "g"), "--budget", "0"]) == 1
    assert "--budget" in capsys.readouterr().err
    assert main(["demo", "--out", str(tmp_path / "g"), "--threads", "0"]) == 1
    assert "--threads" in capsys.readouterr().err
    threads = torch.get_num_threads()
    try:
        assert demo(tmp_path / "g", "--threads", "1") == 0 and torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(threads)


def test_toy_section_runs_directly(tmp_path):
    """The toy section is a plain function of a context: usable without the CLI."""
    gallery = run_gallery([DemoSection("toy", "Toy", run_toy_section)], tmp_path, total_budget_s=5, quick=True,
                          show_progress=False)
    result = gallery.runs[0].result
    assert result is not None and result.metrics is not None and result.metrics.beats_baseline
    assert {m.role for m in result.media} == {"input", "generated", "ground truth", "visualisation", "training"}
    assert all((tmp_path / m.path).stat().st_mode & 0o044 == 0o044 for m in result.media)  # web-servable
