"""The plugin registers through its entry point and its components conform."""
from __future__ import annotations

import torch

import motionkit as mk
from motionkit.configfile import builtin_configs, load_mapping, parse_run_config, validate_section
from motionkit.testing import check_plugin
from motionkit.training.config import parse_train_config
from motionkit_vid2vid.method import Vid2Vid


def _generator_forward(generator):
    window = torch.rand(1, generator.config.n_frames, generator.config.frame_channels, 32, 32)
    previous = torch.rand(1, generator.config.n_frames - 1, 3, 32, 32) * 2 - 1
    out = generator(window, previous)
    assert out["prediction"].shape == (1, 3, 32, 32) and out["flow"].shape == (1, 2, 32, 32)


def test_plugin_conforms():
    info = check_plugin("motionkit-vid2vid", forwards={"generator:vid2vid.generator": _generator_forward})
    assert {"generator:vid2vid.generator", "method:vid2vid"} <= set(info.components)
    assert any(c.verb == "synthesize" and c.method == "vid2vid" for c in mk.get_registry().commands)


def test_builtin_configs_validate():
    names = [n for n in builtin_configs() if n.startswith("vid2vid/")]
    assert "vid2vid/scenes" in names
    for name in names:
        path = builtin_configs()[name]
        run = parse_run_config(load_mapping(path), str(path))
        assert run.method == "vid2vid"
        validate_section(Vid2Vid, run.model, source=str(path), section="model", plugin="motionkit-vid2vid")
        dataset = mk.get_registry().get("dataset", run.data.name)
        validate_section(dataset, run.data.params, source=str(path), section="data.params", plugin="motionkit")
        parse_train_config(run.train, source=str(path))
