"""TrainConfig validation, schedules, precision resolution and config errors naming file/field/plugin."""
from __future__ import annotations

import math

import pytest
import torch

from motionkit.errors import ConfigError
from motionkit.training import OptimizerConfig, ScheduleConfig, TrainConfig, load_run_config, train
from motionkit.training import precision as precision_module
from motionkit.training.config import parse_train_config
from motionkit.training.precision import resolve_precision


def test_train_section_errors_name_file_and_field() -> None:
    with pytest.raises(ConfigError) as info:
        parse_train_config({"steps": 0, "precison": "bf16"}, source="runs/x.yaml")
    text = str(info.value)
    assert "runs/x.yaml" in text and "train.steps" in text and "train.precison" in text


def test_group_settings_override_the_default() -> None:
    cfg = TrainConfig(optimizer={"lr": 1e-3}, groups={"discriminator": {"lr": 5e-4, "betas": [0.0, 0.9]}})
    assert cfg.optimizer_for("generator").lr == 1e-3
    assert cfg.optimizer_for("discriminator").betas == (0.0, 0.9)


def test_schedule_factors() -> None:
    multistep = ScheduleConfig(kind="multistep", milestones=[10, 20], gamma=0.5)
    assert [multistep.factor(s, 30) for s in (0, 9, 10, 19, 20, 29)] == [1, 1, 0.5, 0.5, 0.25, 0.25]
    cosine = ScheduleConfig(kind="cosine", min_factor=0.1)
    assert cosine.factor(0, 100) == pytest.approx(1.0)
    assert cosine.factor(50, 100) == pytest.approx(0.1 + 0.9 * 0.5)
    assert cosine.factor(100, 100) == pytest.approx(0.1)
    assert cosine.factor(25, 100) == pytest.approx(0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi / 4)))
    with pytest.raises(ValueError):
        ScheduleConfig(kind="multistep", milestones=[20, 10])


def test_precision_resolution(monkeypatch) -> None:
    cpu = torch.device("cpu")
    assert resolve_precision("fp32", cpu).dtype is None
    with pytest.raises(ConfigError, match="fp16 is for CUDA"):
        resolve_precision("fp16", cpu)
    monkeypatch.setattr(precision_module, "cpu_bf16_flags", lambda: ("amx_bf16",))
    assert resolve_precision("auto", cpu).name == "bf16"
    monkeypatch.setattr(precision_module, "cpu_bf16_flags", lambda: ())
    assert resolve_precision("auto", cpu).name == "fp32"
    with pytest.warns(RuntimeWarning, match="AMX"):
        assert resolve_precision("bf16", cpu).dtype == torch.bfloat16


def test_this_cpu_flags_are_read_from_cpuinfo() -> None:
    flags = precision_module.cpu_bf16_flags()
    cpuinfo = open("/proc/cpuinfo").read()
    assert ("amx_bf16" in flags) == (" amx_bf16" in cpuinfo)


def test_model_errors_name_file_field_component_and_plugin(tiny, write_config, tmp_path) -> None:
    path = write_config(model={"chanels": 3})
    with pytest.raises(ConfigError) as info:
        train(str(path), out=tmp_path / "run", show_progress=False)
    text = str(info.value)
    assert str(path) in text and "model.chanels" in text and "method 'tiny'" in text and "tiny-plugin" in text


def test_dataset_errors_name_data_params(tiny, write_config, tmp_path) -> None:
    path = write_config(data={"length": "many"})
    with pytest.raises(ConfigError, match=r"data\.params\.length"):
        train(str(path), out=tmp_path / "run", show_progress=False)


def test_overrides_apply_and_are_named(tiny, write_config) -> None:
    path = write_config()
    loaded = load_run_config(str(path), ["train.steps=3", "model.noise=0.5"])
    assert loaded.train.steps == 3 and loaded.run.model["noise"] == 0.5
    with pytest.raises(ConfigError, match=r"train\.batch_size=-1"):
        load_run_config(str(path), ["train.batch_size=-1"])


def test_unknown_parameter_group_is_an_error(tiny, write_config, tmp_path) -> None:
    path = write_config(train={"groups": {"critic": {"lr": 1e-3}}})
    with pytest.raises(ConfigError, match="unknown parameter group.*critic.*generator, discriminator"):
        train(str(path), out=tmp_path / "run", show_progress=False)


def test_unknown_method_or_dataset_names_the_file_and_field(tiny, write_config, tmp_path) -> None:
    from motionkit.errors import UnknownComponentError

    path = write_config()
    with pytest.raises(UnknownComponentError, match=rf"{path}.*: method: no method named 'tiyn'; did you mean 'tiny'"):
        train(str(path), out=tmp_path / "run", overrides=["method=tiyn"], show_progress=False)
    with pytest.raises(UnknownComponentError, match=r"data\.name: no dataset named 'nope'"):
        train(str(path), out=tmp_path / "run", overrides=["data.name=nope"], show_progress=False)


@pytest.mark.parametrize("decoupled", [False, True])
def test_optimizer_build_matches_plain_adam(decoupled):
    torch.manual_seed(0)
    settings = OptimizerConfig(lr=1e-2, betas=(0.5, 0.9), weight_decay=0.1, decoupled_weight_decay=decoupled)
    plain_cls = torch.optim.AdamW if decoupled else torch.optim.Adam
    weights = [torch.randn(4, 3), torch.randn(5)]
    built_params = [torch.nn.Parameter(w.clone()) for w in weights]
    plain_params = [torch.nn.Parameter(w.clone()) for w in weights]
    built = settings.build(built_params)
    plain = plain_cls(plain_params, lr=1e-2, betas=(0.5, 0.9), weight_decay=0.1)
    assert type(built) is plain_cls and built.defaults["fused"]  # this torch has fused Adam on CPU
    for _ in range(3):
        grads = [torch.randn_like(w) for w in weights]
        for params, optimizer in ((built_params, built), (plain_params, plain)):
            for p, g in zip(params, grads):
                p.grad = g.clone()
            optimizer.step()
    for a, b in zip(built_params, plain_params):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-6)
