"""Official checkpoints load strictly; bad ones are refused with the file and key named."""
from __future__ import annotations

import json
import pickle
import shutil

import pytest
import torch

from motionkit.errors import CheckpointError
from motionkit_vid2vid.official import generator_config, load_official_generator, load_official_state, read_options
from motionkit_vid2vid.sequence_generator import Vid2VidGenerator


@pytest.fixture()
def street(parity_root, tmp_path):
    """A copy of the street_fg checkpoint folder and a matching generator."""
    folder = tmp_path / "street"
    shutil.copytree(parity_root / "street_fg", folder)
    return folder, Vid2VidGenerator(generator_config(read_options(folder / "options.json")))


def _rewrite(path, change):
    state = torch.load(path, weights_only=True)
    change(state)
    torch.save(state, path)


def test_official_files_load_and_missing_num_batches_tracked_is_accepted(street):
    folder, generator = street
    _rewrite(folder / "latest_net_G1.pth", lambda s: [s.pop(k) for k in list(s) if k.endswith("num_batches_tracked")])
    load_official_generator(generator, folder)
    reference = torch.load(folder / "latest_net_G0.pth", weights_only=True)
    for key, value in reference.items():
        assert torch.equal(generator.netG0.state_dict()[key], value)


@pytest.mark.parametrize(
    "change, needle",
    [
        (lambda s: s.pop("model_final_w.1.weight"), "missing keys (1): model_final_w.1.weight"),
        (lambda s: s.__setitem__("extra.weight", torch.zeros(1)), "unexpected keys (1): extra.weight"),
        (lambda s: s.__setitem__("model_final_img.1.bias", torch.zeros(4)), "model_final_img.1.bias: checkpoint (4,)"),
    ],
    ids=["missing", "unexpected", "shape"],
)
def test_bad_keys_are_named(street, change, needle):
    folder, generator = street
    _rewrite(folder / "latest_net_G2.pth", change)
    with pytest.raises(CheckpointError) as info:
        load_official_generator(generator, folder)
    assert "latest_net_G2.pth" in str(info.value) and needle in str(info.value)


def test_pickle_with_code_is_refused(street):
    folder, generator = street

    class Payload:
        def __reduce__(self):
            return (print, ("code ran",))

    with open(folder / "latest_net_G0.pth", "wb") as f:
        pickle.dump({"model": Payload()}, f)
    with pytest.raises(CheckpointError, match="latest_net_G0.pth: refused"):
        load_official_generator(generator, folder)


def test_not_a_state_dict_and_missing_scale(street):
    folder, generator = street
    torch.save([torch.zeros(1)], folder / "latest_net_G1.pth")
    with pytest.raises(CheckpointError, match="latest_net_G1.pth: expected a state_dict"):
        load_official_generator(generator, folder)
    (folder / "latest_net_G2.pth").unlink()
    with pytest.raises(CheckpointError, match="missing .*latest_net_G2.pth"):
        load_official_generator(generator, folder)


def test_full_size_file_loads_strictly(parity_root, tmp_path):
    """A file with a full-size official layout (pose2body scale 2, ngf 16: the smallest) loads strictly."""
    data = json.loads((parity_root / "official_keys.json").read_text())
    keys = data["networks"]["pose2body_CompositeLocalGenerator_in18_ngf16_nd3"]["keys"]
    state = {k: (torch.randint(0, 9, ()) if not shape else torch.randn(shape)) for k, shape in keys}
    torch.save(state, tmp_path / "latest_net_G2.pth")
    options = data["configs"]["pose2body_1024p_g1"]["options"]
    with torch.device("meta"):
        generator = Vid2VidGenerator(generator_config(options))
    finest = generator.scale_network(2).to_empty(device="cpu")
    load_official_state(finest, tmp_path / "latest_net_G2.pth")
    assert torch.equal(finest.model_final_w[1].weight, state["model_final_w.1.weight"])


@pytest.mark.filterwarnings("ignore:.*meta parameter.*:UserWarning")
def test_edge2face_config_loads_every_official_key(parity_root, tmp_path):
    """The built-in edge2face config builds the released edge2face_512 generator, and files holding every key
    of its official_keys.json entry (latest_net_G0.pth and the single-frame latest_net_G.pth / latest_net_E.pth)
    load strictly. Built on the meta device; the files hold one shared scalar (every tensor a stride-0 view)."""
    from motionkit.configfile import builtin_configs, load_mapping, parse_run_config
    from motionkit_vid2vid.method import Vid2VidConfig
    from motionkit_vid2vid.single_frame import official_single_frame_networks

    data = json.loads((parity_root / "official_keys.json").read_text())
    entry = data["configs"]["edge2face_512"]
    path = builtin_configs()["vid2vid/edge2face"]
    model = Vid2VidConfig(**parse_run_config(load_mapping(path), str(path)).model)
    assert model.generator == generator_config(entry["options"])
    assert model.condition.extractor == "face-edge-maps" and model.condition.frame_channels == entry["options"]["input_nc"]
    with torch.device("meta"):
        modules = {"G0": Vid2VidGenerator(model.generator).scale_network(0), **{
            f"single_{role}": net for role, net in official_single_frame_networks("edge2face").items()}}
    assert set(modules) == set(entry["files"])
    shared = torch.zeros(())
    for role, file in entry["files"].items():
        keys = data["networks"][file["network"]]["keys"]
        state = {k: torch.tensor(3) if not shape else shared.expand(shape) for k, shape in keys}
        target = tmp_path / role / file["file"].rsplit("/", 1)[-1]
        target.parent.mkdir()
        torch.save(state, target)
        load_official_state(modules[role], target)
        assert list(modules[role].state_dict()) == [k for k, _ in keys]
        state.pop(keys[0][0])
        torch.save(state, target)
        with pytest.raises(CheckpointError, match=f"missing keys \\(1\\): {keys[0][0]}"):
            load_official_state(modules[role], target)
