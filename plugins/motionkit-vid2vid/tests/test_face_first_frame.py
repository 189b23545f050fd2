"""Edge-to-face first frames: the safe features.npy loader, the nearest-neighbour lookup, the official
single-frame networks (reduced width) in the pipeline and the synthesizer, and missing files named."""
from __future__ import annotations

import io
import os
import pickle

import numpy as np
import pytest
import torch
from numpy.lib import format as npy_format

from motionkit.errors import CheckpointError, InputError, MissingWeightsError
from motionkit.nn import FeatureEncoder, instance_average
from motionkit_vid2vid.face_features import FaceFeatureBank, read_pickled_npy
from motionkit_vid2vid.face_first_frame import FaceFirstFrameGenerator
from motionkit_vid2vid.norm_statistics import current_statistics
from motionkit_vid2vid.pipeline import Vid2VidPipeline
from motionkit_vid2vid.sequence_generator import Vid2VidGenerator
from motionkit_vid2vid.single_frame import SINGLE_FRAME_NORM, GlobalWithZ, load_first_frame_generator

NZ = 16


def _features(rows=3, labels=range(7), seed=0):
    rng = np.random.default_rng(seed)
    return {label: rng.normal(size=(rows, NZ + 1)).astype(np.float32) for label in labels}


def _save_npy(path, obj):
    array = np.empty((), dtype=object)
    array[()] = obj
    np.save(path, array, allow_pickle=True)
    return path


# ---------------------------------------------------------------------------------------------- safe loading

def test_valid_features_file_loads(tmp_path):
    features = _features()
    features[np.int64(7)] = np.ones((3, NZ + 1))  # numpy integer keys and float64 arrays are fine too
    path = _save_npy(tmp_path / "features.npy", features)
    loaded = read_pickled_npy(path)
    assert set(loaded) == set(range(8)) and np.array_equal(loaded[3], features[3])
    bank = FaceFeatureBank.load(path)
    assert bank.features[2].shape == (3, NZ) and bank.features[2].dtype == torch.float32
    assert torch.equal(bank.features[2], torch.from_numpy(features[2][:, :NZ]))  # the last column is dropped


def test_python2_style_file_loads(tmp_path):
    """The released file is a Python-2 pickle: numpy.core module names and byte strings (read as latin1)."""

    class Python2Pickler(pickle._Pickler):
        dispatch = dict(pickle._Pickler.dispatch)

        def save_bytes(self, obj):
            size = len(obj)
            self.write((b"U" + bytes([size]) if size < 256 else b"T" + size.to_bytes(4, "little")) + obj)
            self.memoize(obj)

        dispatch[bytes] = save_bytes

    features = _features()
    array = np.empty((), dtype=object)
    array[()] = features
    buffer = io.BytesIO()
    Python2Pickler(buffer, protocol=2).dump(array)
    payload = buffer.getvalue().replace(b"numpy._core.multiarray", b"numpy.core.multiarray")
    assert b"cnumpy.core.multiarray\n_reconstruct" in payload
    out = io.BytesIO()
    npy_format.write_array_header_1_0(out, {"descr": "|O", "fortran_order": False, "shape": ()})
    (tmp_path / "features.npy").write_bytes(out.getvalue() + payload)
    loaded = read_pickled_npy(tmp_path / "features.npy")
    assert all(np.array_equal(loaded[k], v) for k, v in features.items())


def test_malicious_pickle_is_refused_without_running(tmp_path):
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    path = _save_npy(tmp_path / "features.npy", {1: Payload()})
    with pytest.raises(CheckpointError) as info:
        FaceFeatureBank.load(path)
    message = str(info.value)
    assert str(path) in message and "refused" in message and f"{os.system.__module__}.system" in message
    assert not marker.exists()


def test_bad_features_files_are_named(tmp_path):
    with pytest.raises(MissingWeightsError, match="nowhere.npy: features file not found"):
        read_pickled_npy(tmp_path / "nowhere.npy")
    np.save(tmp_path / "plain.npy", np.zeros((2, 17), np.float32))
    with pytest.raises(CheckpointError, match="plain.npy: holds a plain float32 array"):
        read_pickled_npy(tmp_path / "plain.npy")
    (tmp_path / "junk.npy").write_bytes(b"not numpy")
    with pytest.raises(CheckpointError, match="junk.npy: not a readable .npy"):
        read_pickled_npy(tmp_path / "junk.npy")
    with pytest.raises(InputError, match=r"odd.npy\[1\]: expected a \(N >= 1, >= 16\) numeric array"):
        FaceFeatureBank.load(_save_npy(tmp_path / "odd.npy", {1: np.zeros((2, 4))}))
    with pytest.raises(InputError, match="keys.npy: part labels must be integers"):
        FaceFeatureBank.load(_save_npy(tmp_path / "keys.npy", {"face": np.zeros((2, 17))}))


# ----------------------------------------------------------------------------------------- nearest neighbour

def _parts(batch=1, height=16, width=16):
    """Part labels 0..3 in four quadrants (per image, shifted so images differ)."""
    parts = torch.zeros(batch, height, width, dtype=torch.int64)
    parts[:, : height // 2, width // 2:] = 1
    parts[:, height // 2:, : width // 2] = 2
    parts[:, height // 2:, width // 2:] = 3
    return parts


def test_nearest_training_image_fills_every_part():
    features = _features(rows=4, labels=range(4))
    bank = FaceFeatureBank(features)
    parts = _parts(batch=2)
    encoded = torch.zeros(2, NZ, 16, 16)
    wanted = (2, 1)  # image 0 is close to training image 2 on every part, image 1 to training image 1
    for b, m in enumerate(wanted):
        for label in range(4):
            target = torch.from_numpy(features[label][m, :NZ]) + 0.01
            encoded[b][:, parts[b] == label] = target[:, None]
    z = bank.feature_map(encoded, parts)
    assert z.shape == (2, NZ, 16, 16)
    for b, m in enumerate(wanted):
        for label in range(4):
            expected = torch.from_numpy(features[label][m, :NZ])
            assert torch.equal(z[b][:, parts[b] == label], expected[:, None].expand(NZ, int((parts[b] == label).sum())))


def test_distance_is_summed_over_the_parts_present():
    # per part, different training images are closest; the sum over parts picks image 1 for all of them
    features = {0: np.array([[0.0] * 17, [1.0] * 17, [9.0] * 17]), 1: np.array([[9.0] * 17, [1.0] * 17, [0.0] * 17])}
    bank = FaceFeatureBank(features)
    assert bank.nearest_index({0: torch.zeros(NZ), 1: torch.zeros(NZ)}) == 1
    assert bank.nearest_index({0: torch.zeros(NZ)}) == 0  # a label not in the image does not count
    with pytest.raises(InputError, match=r"features: no stored features for part label\(s\) \[5\]"):
        bank.nearest_index({5: torch.zeros(NZ)})
    with pytest.raises(InputError, match="parts: expected integer"):
        bank.feature_map(torch.zeros(1, NZ, 4, 4), torch.zeros(1, 4, 4))


# ------------------------------------------------------------------------------- networks, pipeline, files

def _first_frame_generator(features):
    torch.manual_seed(0)
    generator = GlobalWithZ(15, 3, NZ, ngf=4, n_downsample=3, n_blocks=1, norm=SINGLE_FRAME_NORM)
    encoder = FeatureEncoder(3, NZ, ngf=4, n_downsampling=4, norm=SINGLE_FRAME_NORM)
    return FaceFirstFrameGenerator(generator, encoder, FaceFeatureBank(features))


def test_first_frames_from_encoder_lookup_and_generator():
    features = _features(rows=5, labels=range(4))
    first = _first_frame_generator(features)
    torch.manual_seed(1)
    sequence = Vid2VidGenerator(frame_channels=15, ngf=8, n_downsample=2, n_blocks=2, n_scales=1)
    pipe = Vid2VidPipeline(sequence, first_frame_generator=first)
    conditions = [torch.rand(1, 15, 32, 32) for _ in range(4)]
    images = [torch.rand(1, 3, 32, 32) for _ in range(4)]
    parts = _parts(height=32, width=32)
    with pytest.raises(InputError, match=r"needs \['image', 'parts'\].*missing \['image', 'parts'\]"):
        Vid2VidPipeline(sequence, first_frame_generator=first).push(conditions[0])
    outputs = [pipe.push(c, image=i, parts=parts) for c, i in zip(conditions, images)]
    assert [len(o) for o in outputs] == [0, 0, 3, 1]
    # the official arithmetic, spelled out: E on the real frame in [-1, 1] averaged per part, nearest training
    # image on the parts' features, z filled per part with its stored features, G(condition, z)
    with torch.no_grad(), current_statistics(first):
        encoded = first.encoder.model(images[0] * 2 - 1)
        pooled = instance_average(encoded, parts)
        present = {label: pooled[0, :, parts[0] == label][:, 0] for label in range(4)}
        distances = torch.stack([
            sum(((torch.from_numpy(features[label][m, :NZ]) - present[label]) ** 2).sum() for label in range(4))
            for m in range(5)])
        nearest = int(distances.argmin())
        z = torch.zeros(1, NZ, 32, 32)
        for label in range(4):
            z[0][:, parts[0] == label] = torch.from_numpy(features[label][nearest, :NZ])[:, None]
        expected = first.generator(conditions[0], z)
    assert torch.allclose(outputs[2][0], ((expected + 1) / 2).clamp(0, 1), atol=1e-6)
    with pytest.raises(InputError, match="multiple of 16"):
        first(torch.rand(1, 15, 24, 24), torch.rand(1, 3, 24, 24), torch.zeros(1, 24, 24, dtype=torch.int64))


def test_missing_first_frame_files_are_named(tmp_path):
    folder = tmp_path / "edge2face_single"
    folder.mkdir()
    with pytest.raises(MissingWeightsError) as info:
        load_first_frame_generator("edge2face", folder / "latest_net_G.pth")
    for name in ("latest_net_G.pth", "latest_net_E.pth", "features.npy"):
        assert str(folder / name) in str(info.value)
    (folder / "latest_net_G.pth").write_bytes(b"")
    (folder / "latest_net_E.pth").write_bytes(b"")
    with pytest.raises(MissingWeightsError, match=r"not found: features .*features\.npy$"):
        load_first_frame_generator("edge2face", folder / "latest_net_G.pth")
    with pytest.raises(MissingWeightsError, match="elsewhere.npy"):
        load_first_frame_generator("edge2face", folder / "latest_net_G.pth", features=tmp_path / "elsewhere.npy")


def test_synthesizer_gives_the_face_first_frame_generator_its_inputs(tmp_path, monkeypatch):
    """Real frames -> face-edge-maps (landmarks stubbed: no face-alignment pass) -> first frames from E + lookup
    + G -> the recurrence; one output per frame."""
    from motionkit.conditions import required_weight_files
    from motionkit.io import write_frame_folder
    from motionkit_vid2vid.method import Vid2Vid
    from motionkit_vid2vid.synthesizer import Vid2VidSynthesizer

    for name in required_weight_files("none"):
        (tmp_path / name).write_bytes(b"placeholder")
    torch.manual_seed(0)
    method = Vid2Vid(
        generator=dict(frame_channels=15, ngf=8, n_downsample=2, n_blocks=2),
        condition=dict(kind="extractor", extractor="face-edge-maps", channels=15,
                       params={"weights_dir": str(tmp_path), "detector": "none"}),
        lambda_vgg=0.0, temporal_scales=0)
    landmark_detector = method.condition.extractor.landmark_detector
    angles = np.linspace(0.3, 2.8, 68)
    face = np.stack([16 + 9 * np.cos(angles * 2.5), 16 + 9 * np.sin(angles * 2.5)], 1)
    monkeypatch.setattr(landmark_detector, "landmarks", lambda frames: [face for _ in range(frames.shape[0])])
    calls = []
    first = _first_frame_generator(_features(rows=2))
    original = first.forward
    monkeypatch.setattr(first, "forward", lambda c, **kw: calls.append(sorted(kw)) or original(c, **kw))
    frames = [np.full((32, 32, 3), 40 * t, np.uint8) for t in range(4)]
    write_frame_folder(tmp_path / "faces", frames)
    synth = Vid2VidSynthesizer(method, first_frame_generator=first)
    out = list(synth.frames(tmp_path / "faces"))
    assert len(out) == 4 and all(o.shape == (3, 32, 32) for o in out)
    assert calls == [["image", "parts"], ["image", "parts"]]


def test_official_face_options_give_the_face_condition(tmp_path):
    """An official edge2face checkpoint (dataset_mode face) is conditioned on face-edge-maps, values in [0, 1]."""
    import json

    from motionkit.conditions import required_weight_files
    from motionkit_vid2vid.method import Vid2Vid
    from motionkit_vid2vid.official import generator_config

    options = {"dataset_mode": "face", "input_nc": 15, "ngf": 4, "n_blocks": 2, "n_downsample_G": 2}
    (tmp_path / "opt.json").write_text(json.dumps(options))
    torch.manual_seed(0)
    official = Vid2VidGenerator(generator_config(options))
    torch.save(official.scale_network(0).state_dict(), tmp_path / "latest_net_G0.pth")
    weights = tmp_path / "face_alignment"
    weights.mkdir()
    for name in required_weight_files("sfd"):
        (weights / name).write_bytes(b"placeholder")
    method = Vid2Vid.from_official(tmp_path, tmp_path / "opt.json", condition_params={"weights_dir": str(weights)})
    condition = method.config.condition
    assert condition.kind == "extractor" and condition.extractor == "face-edge-maps" and condition.channels == 15
    assert condition.params == {"distance_maps": True, "background_edges": True, "weights_dir": str(weights)}
    assert torch.equal(method.generator.netG0.state_dict()["model_final_w.1.weight"],
                       official.netG0.state_dict()["model_final_w.1.weight"])
    with pytest.raises(MissingWeightsError, match="s3fd"):
        Vid2Vid.from_official(tmp_path, tmp_path / "opt.json", condition_params={"weights_dir": str(tmp_path)})


def test_synthesize_cli_face_flags_reach_their_files(tmp_path, capsys):
    """``--single-frame-encoder`` / ``--face-features`` name the first-frame files, ``--face-weights`` the
    face-alignment folder of an official edge2face checkpoint; each missing file is named."""
    import json

    from motionkit.cli import main
    from motionkit_vid2vid.official import generator_config

    options = {"dataset_mode": "face", "input_nc": 15, "ngf": 4, "n_blocks": 2, "n_downsample_G": 2}
    (tmp_path / "opt.json").write_text(json.dumps(options))
    torch.manual_seed(0)
    torch.save(Vid2VidGenerator(generator_config(options)).scale_network(0).state_dict(), tmp_path / "latest_net_G0.pth")
    base = ["synthesize", "--method", "vid2vid", "--checkpoint", str(tmp_path), "--config", str(tmp_path / "opt.json"),
            "--condition", str(tmp_path), "--out", str(tmp_path / "out.mp4")]

    assert main([*base, "--face-features", str(tmp_path / "f.npy")]) not in (0, None)
    assert "go with --single-frame" in capsys.readouterr().err

    single = tmp_path / "single"
    single.mkdir()
    (single / "latest_net_G.pth").write_bytes(b"")
    assert main([*base, "--single-frame", str(single / "latest_net_G.pth"), "--single-frame-kind", "edge2face",
                 "--single-frame-encoder", str(tmp_path / "E.pth"), "--face-features", str(tmp_path / "bank.npy")]) \
        not in (0, None)
    err = capsys.readouterr().err
    assert str(tmp_path / "E.pth") in err and str(tmp_path / "bank.npy") in err

    empty = tmp_path / "no_face_weights"
    empty.mkdir()
    assert main([*base, "--face-weights", str(empty)]) not in (0, None)
    err = capsys.readouterr().err
    assert str(empty) in err and "s3fd" in err
    assert not (tmp_path / "out.mp4").exists()
