"""pix2pixHD parity: official checkpoints load strictly and reproduce the official outputs
(fixtures in shared/parity/pix2pixhd, made by the official code)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from motionkit.conditions.instance_edges import instance_edges
from motionkit.errors import CheckpointError
from motionkit.nn import Pix2PixHDGenerator, config_from_official_options, pix2pixhd_condition, pix2pixhd_from_official
from motionkit.nn.pix2pixhd_official import load_official_state

ROOT = Path(__file__).resolve().parents[3] / "shared" / "parity" / "pix2pixhd"
if not ROOT.is_dir():
    ROOT = Path("/work/shared/parity/pix2pixhd")
pytestmark = pytest.mark.skipif(not ROOT.is_dir(), reason="pix2pixHD parity fixtures not present")
ATOL = 1e-5  # the fixture README's tolerance


def _case(name: str):
    options = json.loads((ROOT / name / "options.json").read_text())["options"]
    tensors = load_file(str(ROOT / name / "cases.safetensors"))
    labels = tensors["inputs.label"].long()[None]
    instances = tensors["inputs.inst"].long()[None]
    return options, tensors, labels, instances


@pytest.mark.parametrize("name", ["global_label", "local_label"])
def test_label_generators_reproduce_official_outputs(name: str) -> None:
    options, tensors, labels, instances = _case(name)
    generator = pix2pixhd_from_official(options, ROOT / name / "latest_net_G.pth")
    condition = pix2pixhd_condition(labels, instances, num_classes=35)
    assert torch.equal(condition[:, 35], tensors["inputs.edge"].float()[None])
    with torch.no_grad():
        out = generator(condition)
    torch.testing.assert_close(out["prediction_signed"], tensors["expected.fake_image"], atol=ATOL, rtol=0)
    torch.testing.assert_close(out["prediction"], (tensors["expected.fake_image"] + 1) / 2, atol=ATOL, rtol=0)
    if "expected.global_features" in tensors:
        # unbounded activations (|x| up to 6.5): the tolerance is scaled by the tensor's range. On a machine whose
        # oneDNN convolutions round differently from the fixture machine's the difference reaches 2.1e-5 here,
        # while the official networks.py run on that same machine matched ours bit for bit.
        expected = tensors["expected.global_features"]
        scale = float(expected.abs().max())
        torch.testing.assert_close(out["global_features"], expected, atol=ATOL * scale, rtol=0)


@pytest.mark.parametrize("checkpoint", ["latest_net_G.pth", "legacy_style_latest_net_G.pth"])
def test_feature_generator_reproduces_official_outputs(checkpoint: str) -> None:
    options, tensors, labels, instances = _case("global_feat")
    generator = pix2pixhd_from_official(options, ROOT / "global_feat" / checkpoint, ROOT / "global_feat" / "latest_net_E.pth")
    condition = pix2pixhd_condition(labels, instances, num_classes=35)
    image = (tensors["inputs.image"][None] + 1) / 2  # the fixture image is in [-1, 1]; the API takes [0, 1]
    with torch.no_grad():
        out = generator(condition, instances=instances, image=image)
    torch.testing.assert_close(out["features"], tensors["expected.feat_map"], atol=ATOL, rtol=0)
    torch.testing.assert_close(out["prediction_signed"], tensors["expected.fake_image"], atol=ATOL, rtol=0)


def test_legacy_checkpoint_keeps_strictness_for_other_keys(tmp_path: Path) -> None:
    options, *_ = _case("global_feat")
    generator = Pix2PixHDGenerator(**config_from_official_options(options))
    state = torch.load(ROOT / "global_feat" / "legacy_style_latest_net_G.pth", weights_only=True)
    assert any(k.endswith("running_mean") for k in state)  # the fixture really is legacy-style
    state["model.1.extra"] = torch.zeros(1)
    bad = tmp_path / "bad_G.pth"
    torch.save(state, bad)
    with pytest.raises(CheckpointError, match=r"unexpected keys \(1\): model\.1\.extra"):
        load_official_state(generator.generator, bad)
    with pytest.raises(CheckpointError, match="latest_net_E.pth"):
        pix2pixhd_from_official(options, ROOT / "global_feat" / "latest_net_G.pth")


def test_wrong_architecture_is_refused_with_key_names() -> None:
    options, *_ = _case("global_label")
    options = {**options, "n_blocks_global": 3}
    with pytest.raises(CheckpointError, match="unexpected keys"):
        pix2pixhd_from_official(options, ROOT / "global_label" / "latest_net_G.pth")


def _official_networks():
    data = json.loads((ROOT / "official_keys.json").read_text())
    for name, config in data["configs"].items():
        for part, entry in config["files"].items():
            yield name, part, config["options"], data["networks"][entry["network"]]


@pytest.mark.parametrize("name,part,options,network", list(_official_networks()) if ROOT.is_dir() else [])
def test_full_size_official_layouts_match(name: str, part: str, options: dict, network: dict) -> None:
    with torch.device("meta"):
        generator = Pix2PixHDGenerator(**config_from_official_options(options))
    module = generator.generator if part == "G" else generator.encoder
    ours = [[k, list(v.shape)] for k, v in module.state_dict().items()]
    assert ours == network["keys"], f"{name} {part}: key/shape list differs from the official one"
    assert sum(p.numel() for p in module.parameters()) == network["n_params"]


def test_edges_mark_both_pixels_of_each_differing_pair() -> None:
    instances = torch.tensor([[[1, 1, 2], [1, 1, 1], [3, 1, 1]]])
    expected = torch.tensor([[[0, 1, 1], [0, 0, 1], [1, 1, 0]]]).float()
    expected[0, 1, 0] = 1  # below-neighbour of (1,0) is 3
    assert torch.equal(instance_edges(instances)[:, 0], expected)
