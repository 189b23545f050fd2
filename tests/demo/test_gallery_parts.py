"""Plots, visualisations, media writing and metric comparison used by gallery sections."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from motionkit.demo import MediaItem, MetricRow
from motionkit.demo.compare import compare_to_baseline
from motionkit.demo.media import save_image, save_video, upscale_frames
from motionkit.demo.plot import PALETTE, line_plot, nice_ticks, smooth
from motionkit.demo.visuals import draw_keypoints, labels_to_rgb, palette, side_by_side
from motionkit.errors import InputError


def l1(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return (prediction - target).abs().mean()


def test_nice_ticks_are_round_and_cover_the_range():
    assert nice_ticks(0, 1) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert nice_ticks(3, 97) == [20, 40, 60, 80]
    with pytest.raises(ValueError, match="finite"):
        nice_ticks(0, float("nan"))


def test_smooth_skips_non_finite_values():
    assert smooth([1.0, float("nan"), 3.0], 0.5).tolist() == [1.0, 1.0, 2.0]
    with pytest.raises(ValueError, match="weight"):
        smooth([1.0], 1.0)


def test_line_plot_draws_each_curve_in_its_colour():
    image = np.asarray(line_plot({"a": [1, 2, 3, 4], "b": [4, 3, 2, 1]}, size=(200, 120), log_y=False))
    assert image.shape == (120, 200, 3)
    for colour in PALETTE[:2]:
        assert (np.abs(image.astype(int) - colour).sum(-1) < 30).sum() > 20
    log_plot = line_plot({"loss": [1.0, 0.1, 0.0, float("inf")]}, log_y=True)  # bad points are skipped
    assert log_plot.size == (520, 300)
    with pytest.raises(ValueError, match="non-finite"):
        line_plot({"loss": [float("nan")]})
    with pytest.raises(ValueError, match="steps"):
        line_plot({"loss": [1.0, 2.0]}, steps={"loss": [0]})


def test_draw_keypoints_paints_the_keypoint_colour_at_its_position():
    frames = torch.zeros(2, 3, 32, 48)
    keypoints = torch.tensor([[[-0.5, 0.0], [0.5, 0.5]], [[0.0, -0.5], [0.9, 0.9]]])
    drawn = draw_keypoints(frames, keypoints)
    colours = palette(2)
    x, y = round((-0.5 + 1) / 2 * 47), round((0.0 + 1) / 2 * 31)
    assert torch.allclose(drawn[0, :, y, x], colours[0])
    x, y = round((0.5 + 1) / 2 * 47), round((0.5 + 1) / 2 * 31)
    assert torch.allclose(drawn[0, :, y, x], colours[1])
    assert drawn[0, :, 0, 0].sum() == 0 and frames.sum() == 0  # elsewhere untouched; input not modified
    with pytest.raises(InputError, match="keypoints must be"):
        draw_keypoints(frames, keypoints[:1])


def test_labels_side_by_side_and_upscale():
    labels = torch.tensor([[[0, 1], [2, 1]]])
    rgb = labels_to_rgb(labels, 3)
    assert rgb.shape == (1, 3, 2, 2) and rgb[0, :, 0, 0].sum() == 0 and torch.equal(rgb[0, :, 0, 1], rgb[0, :, 1, 1])
    with pytest.raises(InputError, match=r"ids must be in \[0, 2\]"):
        labels_to_rgb(labels + 1, 3)
    strip = side_by_side(torch.zeros(4, 3, 8, 8), torch.zeros(4, 3, 8, 5), gap=2)
    assert strip.shape == (4, 3, 8, 15) and strip[:, :, :, 8:10].min() == 1
    with pytest.raises(InputError, match="video 1"):
        side_by_side(torch.zeros(4, 3, 8, 8), torch.zeros(3, 3, 8, 8))
    assert upscale_frames(torch.zeros(1, 3, 30, 40), 128).shape == (1, 3, 150, 200)


def test_media_writers_validate_and_report_sizes(tmp_path):
    video = save_video(tmp_path, "sec", "clip one", torch.rand(3, 3, 20, 30), caption="c", role="generated")
    assert video == MediaItem("video", "sec/clip-one.mp4", "c", "generated", 210, 140, fallback="sec/clip-one.gif")
    image = save_image(tmp_path, "sec", "plot", Image.new("RGB", (50, 40)), caption="p", role="training")
    assert (image.width, image.height) == (50, 40) and (tmp_path / "sec" / "plot.png").exists()
    with pytest.raises(InputError, match="NaN"):
        save_video(tmp_path, "sec", "bad", torch.full((2, 3, 8, 8), float("nan")), caption="", role="generated")
    with pytest.raises(InputError, match=r"\(T, 3, H, W\)"):
        save_video(tmp_path, "sec", "bad", torch.rand(3, 8, 8), caption="", role="generated")
    with pytest.raises(ValueError, match="role must be one of"):
        save_image(tmp_path, "sec", "x", torch.rand(3, 8, 8), caption="", role="output")
    assert not (tmp_path / "sec" / "bad.mp4").exists()


def test_compare_to_baseline_scores_both_against_the_target():
    target = torch.zeros(2, 4, 3, 8, 8)
    table = compare_to_baseline({"L1": (l1, False)}, target + 0.1, target + 0.3, target,
                                baseline_name="copy the source", evaluated_on="2 clips")
    assert table.rows == (MetricRow("L1", pytest.approx(0.1), pytest.approx(0.3), False),)
    assert table.beats_baseline and table.evaluated_on == "2 clips"
    with pytest.raises(InputError, match="shapes differ"):
        compare_to_baseline({"L1": (l1, False)}, target, target[:1], target, baseline_name="b")
    assert not MetricRow("PSNR", float("nan"), 1.0, True).beats_baseline


def test_progress_bar_names_section_stage_and_losses(capsys):
    from motionkit.demo import ProgressReporter

    with ProgressReporter(60) as progress:
        progress.begin_section("Toy method")
        progress.stage("training")
        progress.step(5, 20, loss=0.25)
    shown = capsys.readouterr().err
    assert "Toy method" in shown and "training" in shown and "step 5/20 loss=0.25" in shown and "/60 s" in shown
