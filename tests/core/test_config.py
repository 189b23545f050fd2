"""Component configs, config files, overrides and schema output."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

import motionkit as mk
from motionkit.configfile import apply_overrides, load_mapping, parse_run_config, validate_section


class Widget(mk.Loss):
    """A loss with a nested config, for validation tests."""

    name = "test.widget"

    class Inner(mk.Config):
        depth: int = 2

    class Config(mk.Config):
        width: int = 4
        inner: "Widget.Inner" = None  # type: ignore[assignment]


Widget.Config.model_rebuild(_types_namespace={"Widget": Widget})


def test_unknown_and_mistyped_fields_name_their_path():
    with pytest.raises(mk.ConfigError) as exc:
        Widget(width="wide", inner={"depht": 3})
    message = str(exc.value)
    assert "loss 'test.widget'" in message
    assert "width: Input should be a valid integer" in message
    assert "inner.depht: Extra inputs are not permitted" in message


def test_config_is_frozen_and_either_config_or_params():
    widget = Widget(width=8)
    with pytest.raises(Exception):
        widget.config.width = 2
    with pytest.raises(TypeError, match="either a Config or keyword"):
        Widget(Widget.Config(), width=3)
    with pytest.raises(TypeError, match="expects a"):
        Widget(mk.Config())


def test_yaml_and_json_files(tmp_path):
    (tmp_path / "a.yaml").write_text("method: x\ndata: {name: d}\n")
    (tmp_path / "a.json").write_text('{"method": "x", "data": {"name": "d"}}')
    assert load_mapping(tmp_path / "a.yaml") == load_mapping(tmp_path / "a.json")
    (tmp_path / "bad.yaml").write_text("method: [unclosed\n")
    with pytest.raises(mk.ConfigError, match=r"bad.yaml: not valid YAML"):
        load_mapping(tmp_path / "bad.yaml")
    (tmp_path / "list.yaml").write_text("- 1\n")
    with pytest.raises(mk.ConfigError, match="list.yaml: the top level must be a mapping"):
        load_mapping(tmp_path / "list.yaml")
    with pytest.raises(mk.ConfigError, match="missing.yaml: config file not found"):
        load_mapping(tmp_path / "missing.yaml")


def test_run_config_structure_errors_name_the_file():
    with pytest.raises(mk.ConfigError) as exc:
        parse_run_config({"method": "x", "dat": {}}, "run.yaml")
    assert "run.yaml: invalid config" in str(exc.value)
    assert "data: Field required" in str(exc.value) and "dat: Extra inputs" in str(exc.value)


def test_section_errors_name_file_path_component_and_plugin():
    with pytest.raises(mk.ConfigError) as exc:
        validate_section(Widget, {"inner": {"depth": "deep"}}, source="run.yaml", section="model", plugin="motionkit-x")
    assert str(exc.value).startswith("run.yaml: invalid config for loss 'test.widget' (plugin motionkit-x)")
    assert "model.inner.depth: Input should be a valid integer" in str(exc.value)


def test_overrides():
    data = {"train": {"steps": 10}, "model": {}}
    out = apply_overrides(data, ["train.steps=20", "model.inner.depth=3", "train.precision=bf16", "train.lr=[1, 2]"])
    assert out == {"train": {"steps": 20, "precision": "bf16", "lr": [1, 2]}, "model": {"inner": {"depth": 3}}}
    assert data["train"]["steps"] == 10, "the input is not modified"
    with pytest.raises(mk.ConfigError, match="expected key.path=value"):
        apply_overrides(data, ["train.steps"])
    with pytest.raises(mk.ConfigError, match="'steps' is not a mapping"):
        apply_overrides(data, ["train.steps.x=1"])


def test_schema_command_prints_json_schema():
    out = subprocess.run([sys.executable, "-m", "motionkit", "schema", "method", "affine"],
                         capture_output=True, text=True, check=True).stdout
    schema = json.loads(out)
    assert schema["properties"]["reconstruction_weight"]["description"] == "weight of the L1 reconstruction loss"
    assert schema["additionalProperties"] is False
