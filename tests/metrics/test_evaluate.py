"""Evaluation of video pairs from Python and through ``motionkit evaluate``: values and protocols."""
from __future__ import annotations

import hashlib
import json

import pytest
import torch

from motionkit.cli import main
from motionkit.errors import InputError, MissingWeightsError
from motionkit.io import write_frame_folder
from motionkit.metrics import EvaluationSettings, evaluate_pairs

from metric_helpers import constant_frames


def video_pair() -> tuple[torch.Tensor, torch.Tensor]:
    """Two-frame videos: reference 0.4, 0.4; generated 0.6, 0.4 (exact in uint8: 153 and 102)."""
    reference = constant_frames([[0.4] * 3, [0.4] * 3], size=16)
    generated = constant_frames([[0.6] * 3, [0.4] * 3], size=16)
    return generated, reference


def test_evaluate_pairs_with_protocols(fid_weights, fvd_weights) -> None:
    generated, reference = video_pair()
    settings = EvaluationSettings(metrics=("l1", "psnr", "fid", "fvd", "warping"), fid_weights=fid_weights,
                                  fvd_weights=fvd_weights, fvd_clip_length=1,
                                  flow_estimator=lambda target, source: torch.zeros(target.shape[0], 2, 16, 16),
                                  flow_name="zero")
    results = evaluate_pairs([(generated, reference), (reference, reference)], settings)
    metrics = results["metrics"]
    assert results["videos"] == 2 and results["frames"] == 4
    assert metrics["l1"]["value"] == pytest.approx(0.2 / 4)
    assert metrics["psnr"]["value"] == float("inf")  # identical frames count as infinite PSNR
    # FID features per channel: real {0.4 x4}: variance 0; fake {0.6, 0.4, 0.4, 0.4}: mean 0.45, variance 0.01
    assert metrics["fid"]["value"] == pytest.approx(3 * (0.05 ** 2 + 0.01), rel=1e-6)
    # warping error with zero flow: video 1's frames differ by 0.2 -> 0.04; video 2 -> 0
    assert metrics["warping"]["value"] == pytest.approx(0.04 / 2)
    protocol = metrics["fid"]["protocol"]
    assert protocol["resolution"] == [16, 16] and "uint8" in protocol["network_input"]
    assert protocol["weights"] == {"file": fid_weights.name, "sha256": hashlib.sha256(fid_weights.read_bytes()).hexdigest()}
    assert metrics["fvd"]["protocol"]["clip_length"] == 1 and metrics["warping"]["protocol"]["flow"] == "zero"


def test_missing_networks_are_reported_before_any_work() -> None:
    with pytest.raises(MissingWeightsError, match="i3d_torchscript.pt"):
        evaluate_pairs([], EvaluationSettings(metrics=("fvd",)))
    with pytest.raises(InputError, match="warping needs a flow estimator"):
        evaluate_pairs([], EvaluationSettings(metrics=("warping",)))
    with pytest.raises(InputError, match="unknown metric.*sharpness"):
        evaluate_pairs([], EvaluationSettings(metrics=("sharpness",)))


def test_cli_writes_json_for_paired_folders(tmp_path, fid_weights) -> None:
    generated, reference = video_pair()
    for name in ("a", "b"):
        write_frame_folder(tmp_path / "gen" / name, generated)
        write_frame_folder(tmp_path / "ref" / name, reference)
    out = tmp_path / "results.json"
    status = main(["evaluate", "--generated", str(tmp_path / "gen"), "--reference", str(tmp_path / "ref"),
                   "--metrics", "l1,psnr,ssim,fid", "--fid-weights", str(fid_weights), "--resolution", "12x12",
                   "--out", str(out)])
    assert status == 0
    results = json.loads(out.read_text())
    assert results["videos"] == 2 and results["frames"] == 4
    assert results["metrics"]["psnr"]["value"] == "inf"  # second frames are equal (0.4 -> 102 exactly)
    assert results["metrics"]["l1"]["value"] == pytest.approx((0.6 - 0.4) / 2, abs=1e-6)
    assert results["metrics"]["ssim"]["protocol"]["resolution"] == [12, 12]
    assert results["metrics"]["ssim"]["protocol"]["resized_to"] == [12, 12]


def test_cli_names_what_is_missing(tmp_path, capsys) -> None:
    generated, reference = video_pair()
    for gen_name, ref_name in (("a", "b"), ("c", "c")):
        write_frame_folder(tmp_path / "gen" / gen_name, generated)
        write_frame_folder(tmp_path / "ref" / ref_name, reference)
    assert main(["evaluate", "--generated", str(tmp_path / "gen" / "a"), "--reference", str(tmp_path / "ref" / "b"),
                 "--metrics", "lpips"]) == 1
    assert "alexnet-owt-7be5be79.pth" in capsys.readouterr().err
    assert main(["evaluate", "--generated", str(tmp_path / "gen"), "--reference", str(tmp_path / "ref")]) == 1
    assert "do not pair by name" in capsys.readouterr().err
