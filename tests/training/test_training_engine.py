"""The engine end to end, in process: run folder contents, G/D alternation, schedules, clipping,
precision, the non-finite stop and run-folder safety."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest
import torch
import yaml
from PIL import Image
from safetensors.torch import load_file

import motionkit
from motionkit.errors import ConfigError, MotionkitError
from motionkit.training import NonFiniteLossError, Trainer, build_dataset, build_method, load_run_config, train
from motionkit.training.checkpoints import list_checkpoints, load_checkpoint_state
from motionkit.training.precision import resolve_precision
from motionkit.training.samples import LABEL_WIDTH
from motionkit.training.scalars import read_scalars


def make_trainer(path: Path, run_dir: Path, precision: str = "fp32") -> Trainer:
    loaded = load_run_config(str(path))
    torch.manual_seed(0)
    return Trainer(build_method(loaded), build_dataset(loaded), loaded.train, run_dir, device=torch.device("cpu"),
                   precision=resolve_precision(precision, torch.device("cpu")), show_progress=False)


def test_run_folder_holds_checkpoints_logs_samples_config_and_final_weights(tiny, write_config, tmp_path) -> None:
    path = write_config(train={"steps": 6, "checkpoint_every": 2, "keep_last": 2, "sample_every": 3,
                               "tensorboard": True, "grad_clip": 0.5})
    run = tmp_path / "run"
    final = train(str(path), out=run, show_progress=False)

    assert [s for s, _ in list_checkpoints(run)] == [4, 6]
    method = motionkit.load_method(final, expected_method="tiny")
    last_weights = load_file(str(run / "checkpoints" / "step-00000006" / "weights.safetensors"))
    assert all(torch.equal(v, last_weights[k]) for k, v in method.state_dict().items())

    state = load_checkpoint_state(run / "checkpoints" / "step-00000006")
    assert state["step"] == 6 and set(state["optimizers"]) == {"generator", "discriminator"}
    assert set(state["schedulers"]) == {"generator", "discriminator"}
    assert state["data"]["samples_seen"] == 24 and set(state["rng"][0]) >= {"torch", "numpy", "python"}

    config = yaml.safe_load((run / "config.yaml").read_text())
    assert config["model"]["channels"] == 3 and config["train"]["keep_last"] == 2 and config["data"]["params"]["length"] == 10
    environment = yaml.safe_load((run / "environment.yaml").read_text())
    assert environment["torch"] == str(torch.__version__) and environment["torch_threads"] >= 1
    assert environment["device"] == "cpu" and environment["precision"] == "fp32"

    series = read_scalars(run / "scalars.csv")
    assert [s for s, _ in series["generator/reconstruction"]] == [1, 2, 3, 4, 5, 6]
    assert {"generator/adversarial", "discriminator/hinge", "grad_norm/generator", "lr/discriminator"} <= set(series)
    assert list((run / "tensorboard").glob("events.out.tfevents.*"))

    samples = sorted(p.name for p in (run / "samples").glob("*.png"))
    assert samples == ["step-00000003.png", "step-00000006.png"]
    with Image.open(run / "samples" / "step-00000003.png") as image:
        # 3 rows (input, prediction, target) x 4 columns of 8x8 images with 2-pixel borders
        assert image.size == (LABEL_WIDTH + 4 * 10 + 2, 3 * 10 + 2)


def test_generator_and_discriminator_updates_alternate(tiny, write_config, tmp_path) -> None:
    trainer = make_trainer(write_config(train={"steps": 3}), tmp_path / "run")
    calls = []
    method = trainer.method
    g_step, d_step = method.generator_step, method.discriminator_step
    method.generator_step = lambda batch: calls.append("G") or g_step(batch)
    method.discriminator_step = lambda batch, outputs: calls.append("D") or d_step(batch, outputs)
    for name, optimizer in trainer.optimizers.items():
        optimizer.register_step_post_hook(lambda *_, name=name: calls.append(f"step:{name}"))
    before = {k: v.clone() for k, v in method.state_dict().items()}
    trainer.run()
    assert calls == ["G", "step:generator", "D", "step:discriminator"] * 3
    # every weight moved (the hinge loss's bias gradients cancel while both terms are active)
    assert all(not torch.equal(before[k], v) for k, v in method.state_dict().items() if k.endswith("weight"))


def test_without_adversarial_groups_only_the_generator_trains(tiny, write_config, tmp_path) -> None:
    trainer = make_trainer(write_config(train={"steps": 2}, model={"adversarial": False}), tmp_path / "run")
    before = trainer.method.discriminator.weight.clone()
    trainer.run()
    assert torch.equal(before, trainer.method.discriminator.weight)
    assert list(trainer.optimizers) == ["generator"]


def test_schedules_and_group_settings_set_each_optimizer_lr(tiny, write_config, tmp_path) -> None:
    path = write_config(train={
        "steps": 4, "optimizer": {"lr": 0.01, "schedule": {"kind": "multistep", "milestones": [2], "gamma": 0.5}},
        "groups": {"discriminator": {"lr": 0.003, "betas": [0.0, 0.9]}},
    })
    trainer = make_trainer(path, tmp_path / "run")
    assert trainer.optimizers["discriminator"].param_groups[0]["betas"] == (0.0, 0.9)
    trainer.run()
    series = read_scalars(tmp_path / "run" / "scalars.csv")
    assert [v for _, v in series["lr/generator"]] == pytest.approx([0.01, 0.005, 0.005, 0.005])
    assert [v for _, v in series["lr/discriminator"]] == pytest.approx([0.003] * 4)


def test_gradients_are_clipped_to_the_configured_norm(tiny, write_config, tmp_path) -> None:
    trainer = make_trainer(write_config(train={"steps": 3, "grad_clip": 1e-3}), tmp_path / "run")
    norms = []
    optimizer = trainer.optimizers["generator"]

    def record(opt, *_):
        grads = [p.grad for group in opt.param_groups for p in group["params"] if p.grad is not None]
        norms.append(float(torch.linalg.vector_norm(torch.stack([g.norm() for g in grads]))))

    optimizer.register_step_pre_hook(record)
    trainer.run()
    logged = [v for _, v in read_scalars(tmp_path / "run" / "scalars.csv")["grad_norm/generator"]]
    assert all(n == pytest.approx(1e-3, rel=1e-4) for n in norms)
    assert all(v > 1e-3 for v in logged)  # the logged norm is the one before clipping


def test_bf16_autocast_on_cpu(tiny, write_config, tmp_path, recwarn) -> None:
    trainer = make_trainer(write_config(train={"steps": 2}), tmp_path / "run", precision="bf16")
    trainer.run()
    assert trainer.method.autocast_dtypes == [torch.bfloat16, torch.bfloat16]
    assert trainer.method.generator[0].weight.dtype == torch.float32  # master weights stay fp32


def test_non_finite_loss_stops_naming_the_term_and_keeps_the_last_good_checkpoint(tiny, write_config, tmp_path) -> None:
    path = write_config(train={"steps": 8, "checkpoint_every": 2}, model={"nan_at_step": 4})
    run = tmp_path / "run"
    with pytest.raises(NonFiniteLossError) as info:
        train(str(path), out=run, show_progress=False)
    text = str(info.value)
    assert "'exploding'" in text and "step 5" in text and "step-00000004" in text
    assert [s for s, _ in list_checkpoints(run)] == [2, 4] and not (run / "final.safetensors").exists()
    weights = load_file(str(run / "checkpoints" / "step-00000004" / "weights.safetensors"))
    assert all(torch.isfinite(w).all() for w in weights.values())
    with (run / "scalars.csv").open() as f:
        assert max(int(r["step"]) for r in csv.DictReader(f)) == 4


def test_an_existing_run_needs_resume_and_resume_needs_a_checkpoint(tiny, write_config, tmp_path) -> None:
    path = write_config(train={"steps": 2, "checkpoint_every": 2})
    with pytest.raises(MotionkitError, match="holds no complete checkpoint"):
        train(str(path), out=tmp_path / "empty", resume=True, show_progress=False)
    train(str(path), out=tmp_path / "run", show_progress=False)
    with pytest.raises(MotionkitError, match="already holds checkpoints; pass --resume"):
        train(str(path), out=tmp_path / "run", show_progress=False)
    with pytest.raises(ConfigError, match=r"train\.seed"):
        train(str(path), out=tmp_path / "run", resume=True, overrides=["train.seed=5"], show_progress=False)


def test_cli_train_then_resume_matches_an_uninterrupted_run(tiny, write_config, tmp_path) -> None:
    from motionkit.cli import main

    path = write_config(train={"steps": 6}, model={"noise": 0.1}, data={"jitter": 0.05})
    common = [str(path), "--no-progress", "--checkpoint-every", "2"]
    assert main(["train", *common, "--out", str(tmp_path / "full")]) == 0
    assert main(["train", *common, "--out", str(tmp_path / "split"), "--steps", "4"]) == 0
    assert main(["train", *common, "--out", str(tmp_path / "split"), "--resume"]) == 0
    full = load_file(str(tmp_path / "full" / "final.safetensors"))
    split = load_file(str(tmp_path / "split" / "final.safetensors"))
    assert all(torch.equal(full[k], split[k]) for k in full)
    assert read_scalars(tmp_path / "full" / "scalars.csv") == read_scalars(tmp_path / "split" / "scalars.csv")


def test_the_seed_decides_initialisation_data_order_and_noise(tiny, write_config, tmp_path) -> None:
    path = write_config(train={"steps": 2}, model={"noise": 0.1})
    runs = {name: train(str(path), out=tmp_path / name, overrides=overrides, show_progress=False)
            for name, overrides in (("a", []), ("b", []), ("c", ["train.seed=1"]))}
    a, b, c = (load_file(str(runs[n])) for n in "abc")
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)


def test_progress_bar_shows_rate_and_eta(tiny, write_config, tmp_path, capsys) -> None:
    train(str(write_config(train={"steps": 2})), out=tmp_path / "run", show_progress=True)
    err = capsys.readouterr().err
    assert "2/2" in err and ("step/s" in err or "s/step" in err) and "<" in err  # tqdm's "elapsed<remaining"


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("precision, dtype", [("fp16", torch.float16), ("bf16", torch.bfloat16)])
def test_mixed_precision_on_cuda(tiny, write_config, tmp_path, precision, dtype) -> None:
    loaded = load_run_config(str(write_config(train={"steps": 3})))
    device = torch.device("cuda")
    trainer = Trainer(build_method(loaded), build_dataset(loaded), loaded.train, tmp_path / "run", device=device,
                      precision=resolve_precision(precision, device), show_progress=False)
    assert (trainer.scaler is not None) == (precision == "fp16")
    final = trainer.run()
    assert trainer.method.autocast_dtypes == [dtype] * 3
    assert all(torch.isfinite(v).all() for v in load_file(str(final)).values())


def test_resuming_on_a_dataset_of_another_size_warns(tiny, write_config, tmp_path, monkeypatch) -> None:
    import tiny_plugin

    path = write_config(train={"steps": 2, "checkpoint_every": 2})
    train(str(path), out=tmp_path / "run", show_progress=False)
    monkeypatch.setattr(tiny_plugin.TinyDataset, "__len__", lambda self: 9)
    with pytest.warns(RuntimeWarning, match="had 10 items .* has 9 now"):
        train(str(path), out=tmp_path / "run", resume=True, overrides=["train.steps=3"], show_progress=False)
