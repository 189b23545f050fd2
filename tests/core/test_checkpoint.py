"""Safe loading of official checkpoints, strict key matching, motionkit's own format."""
from __future__ import annotations

import pickle

import pytest
import torch
from torch import nn

import motionkit as mk
from motionkit.checkpoint import atomic_write, load_official, load_state_strict, save_method, strip_prefix


class _RunsCode:
    def __reduce__(self):
        return (print, ("this would run at load time",))


def test_refuses_pickle_that_would_run_code(tmp_path):
    path = tmp_path / "evil.pth"
    with open(path, "wb") as f:
        pickle.dump({"state_dict": _RunsCode()}, f)
    with pytest.raises(mk.CheckpointError, match="evil.pth: refused: the pickle references code"):
        load_official(path)


def test_loads_plain_checkpoint_and_reports_damage(tmp_path):
    path = tmp_path / "ok.pth"
    torch.save({"generator": {"module.w": torch.ones(2)}}, path)
    state = strip_prefix(load_official(path)["generator"])
    assert list(state) == ["w"]
    (tmp_path / "cut.pth").write_bytes(path.read_bytes()[:40])
    with pytest.raises(mk.CheckpointError, match="cut.pth: not a readable PyTorch checkpoint"):
        load_official(tmp_path / "cut.pth")
    with pytest.raises(mk.CheckpointError, match="none.pth: checkpoint file not found"):
        load_official(tmp_path / "none.pth")


def test_strict_loading_names_keys():
    model = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    state = model.state_dict()
    bad = dict(state)
    bad.pop("0.bias")
    bad["2.weight"] = torch.zeros(1)
    bad["1.weight"] = torch.zeros(5, 5)
    with pytest.raises(mk.CheckpointError) as exc:
        load_state_strict(model, bad, source="ckpt.pth")
    message = str(exc.value)
    assert "missing keys (1): 0.bias" in message
    assert "unexpected keys (1): 2.weight" in message
    assert "1.weight: checkpoint (5, 5) vs model (1, 3)" in message


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"previous")

    def fail(tmp):
        tmp.write_bytes(b"partial")
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        atomic_write(target, fail)
    assert target.read_bytes() == b"previous"
    assert list(tmp_path.iterdir()) == [target]


def test_method_round_trip(tmp_path):
    from motionkit_affine import GlobalAffine

    method = GlobalAffine(estimator={"channels": 4, "num_layers": 2}, reconstruction_weight=2.0)
    path = save_method(method, tmp_path / "m.safetensors")
    loaded = mk.load_method(path, expected_method="affine")
    assert loaded.config == method.config
    for (k, a), (_, b) in zip(method.state_dict().items(), loaded.state_dict().items()):
        assert torch.equal(a, b), k
    with pytest.raises(mk.CheckpointError, match="holds method 'affine', not 'first-order'"):
        mk.load_method(path, expected_method="first-order")
    (tmp_path / "x.safetensors").write_bytes(b"\x00" * 16)
    with pytest.raises(mk.CheckpointError, match="x.safetensors: not a readable safetensors file"):
        mk.load_method(tmp_path / "x.safetensors")
