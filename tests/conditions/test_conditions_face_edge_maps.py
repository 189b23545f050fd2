"""vid2vid's 15-channel edge-to-face input: layout, the official curve geometry, part labels, errors.

Landmarks are synthetic (no face-alignment pass); the extractor is built with placeholder weight files
(only their presence is checked until landmarks are detected)."""
import numpy as np
import pytest
import torch

from motionkit.conditions import FaceEdgeMaps, required_weight_files
from motionkit.conditions.face_edges import FACE_PARTS
from motionkit.conditions.face_parts import (
    NUM_CHAINS, PART_LABELS, add_official_forehead, face_chain_edges, face_edge_input, face_part_labels, piece_curve,
)
from motionkit.errors import ConfigError, InputError
from motionkit.testing import check_component

H, W = 64, 64


def synthetic_face(cx=32.0, cy=30.0, s=16.0):
    """A plausible (68, 2) face (x, y in pixels) with non-integer coordinates."""
    angles = np.linspace(np.pi * 0.05, np.pi * 0.95, 17)[::-1]
    jaw = np.stack([cx - s * np.cos(angles), cy + 0.2 * s + 1.1 * s * np.sin(angles)], 1)
    arch = 0.1 * s * np.sin(np.linspace(0, np.pi, 5))
    brow_r = np.stack([cx - s * np.linspace(0.8, 0.15, 5), cy - 0.35 * s - arch], 1)
    brow_l = np.stack([cx + s * np.linspace(0.15, 0.8, 5), cy - 0.35 * s - arch], 1)
    bridge = np.stack([np.full(4, cx), cy - 0.2 * s + np.linspace(0, 0.45 * s, 4)], 1)
    nose = np.stack([cx + s * np.linspace(-0.2, 0.2, 5), cy + 0.3 * s + arch / 2], 1)

    def ring(x0, y0, rx, ry, n):
        t = np.linspace(0, 2 * np.pi, n + 1)[:-1]
        return np.stack([x0 - rx * np.cos(t), y0 - ry * np.sin(t)], 1)

    eyes = [ring(cx + dx, cy - 0.15 * s, 0.2 * s, 0.07 * s, 6) for dx in (-0.45 * s, 0.45 * s)]
    lips = [ring(cx, cy + 0.6 * s, 0.4 * s, 0.15 * s, 12), ring(cx, cy + 0.6 * s, 0.3 * s, 0.06 * s, 8)]
    points = np.concatenate([jaw, brow_r, brow_l, bridge, nose, *eyes, *lips])
    return points + np.random.default_rng(0).normal(0, 0.2, points.shape)


def textured_frame():
    """(1, 3, H, W) in [0, 1] with strong steps everywhere (many Canny edges, inside and outside the face)."""
    yy, xx = np.mgrid[:H, :W]
    gray = 0.2 + 0.6 * (((xx // 6) + (yy // 6)) % 2)
    return torch.from_numpy(np.stack([gray, gray * 0.9, gray * 0.8])[None].astype(np.float32))


@pytest.fixture()
def extractor(tmp_path):
    for name in required_weight_files("none"):
        (tmp_path / name).write_bytes(b"placeholder")
    return FaceEdgeMaps(weights_dir=tmp_path, detector="none")


def test_piece_curve_follows_the_official_sampling():
    # parabola y = x - x^2/8 through (0,0), (4,2), (8,0): int(8 - 0) = 8 samples over [0, 8] -> x 0,1,2,3,4,5,6,8
    xs, ys = piece_curve(np.array([0.0, 4.0, 8.0]), np.array([0.0, 2.0, 0.0]))
    assert xs.tolist() == [0, 1, 2, 3, 4, 5, 6, 8] and ys.tolist() == [0, 0, 1, 1, 1, 1, 0, 0]
    # mostly vertical points are fitted as x = f(y)
    xs, ys = piece_curve(np.array([5.5, 6.5]), np.array([0.0, 4.0]))
    assert ys.tolist() == [0, 1, 2, 4] and xs.tolist() == [5, 5, 6, 6]
    assert piece_curve(np.array([0.0, 2.0, 2.5]), np.array([0.0, 1.99, 0.0])) is None  # |a| > 1: not drawn
    forehead = add_official_forehead(synthetic_face())
    assert forehead.shape == (83, 2) and (forehead[68:] == np.round(forehead[68:])).all()


def test_fifteen_channel_layout(extractor):
    points = synthetic_face()
    frames = textured_frame()
    out = extractor.render([points], frames)
    assert out.input.shape == (1, 15, H, W) and out.input.dtype == torch.float32
    assert out.parts.shape == (1, H, W) and out.parts.dtype == torch.int64
    assert 0 <= out.input.min() and out.input.max() <= 1 and extractor.channels == 15
    x = out.input[0].numpy()
    parts = out.parts[0].numpy()
    chains = face_chain_edges(points, H, W) > 0
    assert chains.shape == (NUM_CHAINS, H, W) == (14, H, W) and chains.reshape(14, -1).any(1).all()
    # channel 0: every curve, plus background edges outside the face only
    assert (x[0][chains.any(0)] == 1).all()
    inside = parts > 0
    assert np.array_equal(x[0][inside] == 1, chains.any(0)[inside]), "background edges leaked into the face"
    background = extractor.background(frames)[0].numpy()
    outside_edges = (x[0] == 1) & ~inside & ~chains.any(0)
    assert outside_edges.any() and np.array_equal(outside_edges, background & ~inside & ~chains.any(0))
    assert (background & inside).any()  # the frame has edges inside the face too; they were removed
    # channels 1..14: 0 on each chain; elsewhere the L1 distance to it / 3, truncated, / 255 (brute force here)
    ys, xs = np.mgrid[:H, :W]
    for k in range(14):
        assert (x[1 + k][chains[k]] == 0).all()
        cy, cx = np.nonzero(chains[k])
        l1 = (np.abs(ys[..., None] - cy) + np.abs(xs[..., None] - cx)).min(-1)
        expected = np.minimum(l1 // 3, 255) / 255.0
        assert np.allclose(x[1 + k], expected, atol=1e-7), f"distance map of chain {k}"
    # part labels: the filled polygons, later parts over earlier ones
    assert set(np.unique(parts)) == set(range(7))
    assert np.array_equal(parts, face_part_labels(points, H, W))
    nose_tip, eye = np.round(points[33]).astype(int), np.round(points[36:42].mean(0)).astype(int)
    assert parts[nose_tip[1] - 1, nose_tip[0]] == 3 and parts[eye[1], eye[0]] == 4 and parts[0, 0] == 0


def test_chain_order_and_labels_follow_the_parts():
    assert NUM_CHAINS == 14 and len(PART_LABELS) == len(FACE_PARTS)
    assert [len(part) for part in FACE_PARTS] == [1, 1, 1, 3, 2, 2, 2, 2]


def test_no_face_and_options(extractor, tmp_path):
    frames = textured_frame()
    out = extractor.render([None], frames)
    assert (out.parts == 0).all() and (out.input[0, 1:] == 1).all()
    assert torch.equal(out.input[0, 0] > 0, extractor.background(frames)[0])
    for name in required_weight_files("none"):
        (tmp_path / name).write_bytes(b"placeholder")
    plain = FaceEdgeMaps(weights_dir=tmp_path, detector="none", distance_maps=False, background_edges=False)
    single = plain.render([synthetic_face()], frames)
    assert single.input.shape == (1, 1, H, W) and plain.channels == 1
    assert np.array_equal(single.input[0, 0].numpy() > 0, face_chain_edges(synthetic_face(), H, W).max(0) > 0)
    image, labels = face_edge_input(synthetic_face(), H, W)
    assert image.shape == (15, H, W) and labels.dtype == np.uint8


def test_bad_inputs_are_named(extractor, tmp_path):
    frames = textured_frame()
    with pytest.raises(InputError, match="frames must be"):
        extractor.render([synthetic_face()], frames[:, :2])
    with pytest.raises(InputError, match="float"):
        extractor(torch.zeros(1, 3, 8, 8, dtype=torch.uint8))
    with pytest.raises(InputError, match=r"landmarks\[0\].*\(68, 2\)"):
        extractor.render([synthetic_face()[:60]], frames)
    with pytest.raises(InputError, match="2 landmark sets for 1 frames"):
        extractor.render([None, None], frames)
    with pytest.raises(InputError, match="NaN"):
        face_edge_input(np.full((68, 2), np.nan), H, W)
    with pytest.raises(InputError, match="background_edges"):
        face_edge_input(synthetic_face(), H, W, background_edges=np.zeros((H, W + 1), bool))
    with pytest.raises(ConfigError, match="kernel_size"):
        FaceEdgeMaps(weights_dir=tmp_path, detector="none", canny={"kernel_size": 4})


def test_component_conforms(extractor, tmp_path):
    check_component(FaceEdgeMaps, {"weights_dir": str(tmp_path), "detector": "none"}, forward=lambda c: None)
    assert FaceEdgeMaps.name == "face-edge-maps"
