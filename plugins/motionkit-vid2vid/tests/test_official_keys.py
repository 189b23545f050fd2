"""Every full-size official generator layout in official_keys.json is built here with the same ordered
key/shape list (built on the meta device: no memory), and a checkpoint with that layout loads strictly; the
built-in configs that mirror an official model build its layout."""
from __future__ import annotations

import json

import torch

from motionkit.configfile import builtin_configs, load_mapping, parse_run_config
from motionkit_vid2vid.method import Vid2VidConfig
from motionkit_vid2vid.official import generator_config
from motionkit_vid2vid.sequence_generator import Vid2VidGenerator
from motionkit_vid2vid.single_frame import official_single_frame_networks

SINGLE_FRAME_FILES = {
    "latest_net_G_512.pth": ("label2city_512", "G"),
    "latest_net_G_1024.pth": ("label2city_1024", "G"),
    "latest_net_G_2048.pth": ("label2city_2048", "G"),
}


def _layout(module: torch.nn.Module) -> list[list]:
    return [[k, list(v.shape)] for k, v in module.state_dict().items()]


def test_every_full_size_layout_matches(parity_root):
    data = json.loads((parity_root / "official_keys.json").read_text())
    checked = set()
    for name, config in data["configs"].items():
        options = config["options"]
        with torch.device("meta"):
            generator = Vid2VidGenerator(generator_config(options))
        for role, entry in config["files"].items():
            expected = data["networks"][entry["network"]]["keys"]
            if role.startswith("G") and role[1:].isdigit():
                module = generator.scale_network(int(role[1:]))
            else:
                file = entry["file"].rsplit("/", 1)[-1]
                kind, part = SINGLE_FRAME_FILES.get(file, ("edge2face", "E" if role == "single_E" else "G"))
                with torch.device("meta"):
                    module = official_single_frame_networks(kind)[part]
            assert _layout(module) == expected, f"{name} {role} ({entry['network']}): layout differs"
            checked.add(entry["network"])
    assert checked == set(data["networks"]), f"networks not checked: {set(data['networks']) - checked}"


#: built-in configs that mirror an official model, and the official_keys.json configuration they must build
BUILTIN_LAYOUTS = {"vid2vid/pose2body": "pose2body_256p", "vid2vid/label2city": "label2city_1024_g1",
                   "vid2vid/edge2face": "edge2face_512"}


def test_builtin_configs_build_the_official_layouts(parity_root):
    """The generator of a built-in config that mirrors an official model has that model's full layout, key by key
    and shape by shape (pose2body: the 6-channel DensePose + OpenPose input, 18 generator input channels)."""
    data = json.loads((parity_root / "official_keys.json").read_text())
    configs = builtin_configs()
    for config_name, official_name in BUILTIN_LAYOUTS.items():
        run = parse_run_config(load_mapping(configs[config_name]), str(configs[config_name]))
        model = Vid2VidConfig(**run.model)
        assert model.generator.frame_channels * model.generator.n_frames == data["configs"][official_name]["generator_input_nc"]
        with torch.device("meta"):
            generator = Vid2VidGenerator(model.generator)
        files = {role: entry for role, entry in data["configs"][official_name]["files"].items()
                 if role.startswith("G") and role[1:].isdigit()}  # the per-scale generators, not the single-frame one
        assert len(files) == model.generator.n_scales, f"{config_name}: scales differ from {official_name}"
        for role, entry in files.items():
            expected = data["networks"][entry["network"]]["keys"]
            assert _layout(generator.scale_network(int(role[1:]))) == expected, f"{config_name} {role}: layout differs"
