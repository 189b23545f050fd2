"""Every full-size official generator layout in official_keys.json is built here with the same ordered
key/shape list (built on the meta device: no memory), and a checkpoint with that layout loads strictly."""
from __future__ import annotations

import json

import torch

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
