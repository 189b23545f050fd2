"""Face landmarks: the extractor loads test-made face-alignment weights and runs its real inference code."""
import numpy as np
import pytest
import torch

import enum

from motionkit.conditions import FaceEdgeMaps, FaceLandmarkEdges, face_edge_map, required_weight_files
from motionkit.conditions.face_landmarks import S3FDFaceDetector, _two_d_landmarks
from motionkit.errors import ConfigError, InputError, MissingWeightsError
from motionkit.testing import check_component


@pytest.fixture(scope="module")
def weights_dir(tmp_path_factory):
    """Randomly initialised FAN and S3FD saved under the file names face-alignment loads."""
    from face_alignment.detection.sfd.net_s3fd import s3fd
    from face_alignment.models import FAN

    folder = tmp_path_factory.mktemp("face_alignment_weights")
    fan_name, detector_name = required_weight_files("sfd")
    torch.manual_seed(0)
    torch.save(FAN(4).state_dict(), folder / fan_name)
    torch.save(s3fd().state_dict(), folder / detector_name)
    return folder


def test_missing_weights_name_each_file(tmp_path):
    with pytest.raises(MissingWeightsError) as error:
        FaceLandmarkEdges(weights_dir=tmp_path)
    message = str(error.value)
    for name in required_weight_files("sfd"):
        assert str(tmp_path / name) in message
    (tmp_path / required_weight_files("sfd")[0]).write_bytes(b"")
    with pytest.raises(MissingWeightsError) as error:
        FaceLandmarkEdges(weights_dir=tmp_path)
    assert "s3fd" in str(error.value) and "2DFAN4" not in str(error.value)
    with pytest.raises(MissingWeightsError, match="2DFAN4"):
        FaceLandmarkEdges(weights_dir=tmp_path / "nowhere", detector="none")


def test_corrupt_weights_are_reported(tmp_path):
    for name in required_weight_files("none"):
        (tmp_path / name).write_bytes(b"not a checkpoint")
    extractor = FaceLandmarkEdges(weights_dir=tmp_path, detector="none")
    with pytest.raises(MissingWeightsError, match="could not load"):
        extractor(torch.rand(1, 3, 32, 32))


def test_extractor_runs_with_test_made_weights(weights_dir):
    frames = torch.rand(1, 3, 40, 36)
    extractor = check_component(FaceLandmarkEdges, {"weights_dir": weights_dir, "detector": "none"},
                                forward=lambda c: None)
    landmarks = extractor.landmarks(frames)  # one FAN pass (about a second on CPU)
    points = landmarks[0]
    assert points.shape == (68, 2) and np.isfinite(points).all()
    edges = extractor.draw(landmarks, 40, 36)
    assert edges.shape == (1, 1, 40, 36) and set(edges.unique().tolist()) <= {0.0, 1.0}
    expected = face_edge_map(points, 40, 36, thickness=2) / 255.0
    assert torch.equal(edges[0, 0], torch.from_numpy(expected.astype(np.float32)))


def test_face_edge_maps_extract_with_test_made_weights(weights_dir):
    """The 15-channel face input runs face-alignment, then draws what render() draws from those landmarks."""
    frames = torch.rand(1, 3, 40, 36)
    extractor = FaceEdgeMaps(weights_dir=weights_dir, detector="none")
    out = extractor.extract(frames)
    assert out.input.shape == (1, 15, 40, 36) and out.parts.shape == (1, 40, 36) and out.landmarks[0].shape == (68, 2)
    again = extractor.render(out.landmarks, frames)
    assert torch.equal(out.input, again.input) and torch.equal(out.parts, again.parts)


def test_detector_path_loads_s3fd(weights_dir):
    never = FaceLandmarkEdges(weights_dir=weights_dir, detector="sfd", detector_threshold=2.0)
    assert never.landmarks(torch.rand(1, 3, 32, 32)) == [None]
    assert never(torch.rand(1, 3, 32, 32)).abs().sum() == 0
    with pytest.raises(InputError, match="frames"):
        never.landmarks(torch.rand(3, 32, 32))
    with pytest.raises(ConfigError, match="detector"):
        FaceLandmarkEdges(weights_dir=weights_dir, detector="dlib")
    crop_detector = S3FDFaceDetector(weights_dir, threshold=2.0)  # the crop helpers' detector, same weights
    assert crop_detector(np.zeros((32, 32, 3), np.uint8)) == []
    with pytest.raises(MissingWeightsError, match="s3fd"):
        S3FDFaceDetector(weights_dir / "nowhere")


def test_old_landmarks_enum_name_is_accepted(monkeypatch):
    import face_alignment

    old_style = enum.IntEnum("LandmarksType", {"_2D": 1, "_2halfD": 2, "_3D": 3})
    monkeypatch.setattr(face_alignment, "LandmarksType", old_style)
    assert _two_d_landmarks() is old_style._2D
    assert _two_d_landmarks() == 1


def test_face_edge_map_draws_every_part():
    angles = np.linspace(np.pi * 0.1, np.pi * 0.9, 17)
    jaw = np.stack([50 + 30 * np.cos(angles[::-1]), 40 + 30 * np.sin(angles[::-1])], 1)
    rng = np.random.default_rng(0)
    inner = np.stack([rng.uniform(30, 70, 51), rng.uniform(25, 60, 51)], 1)
    points = np.concatenate([jaw, inner])
    edges = face_edge_map(points, 100, 100, thickness=1)
    assert edges.dtype == np.uint8 and set(np.unique(edges)) == {0, 255}
    for x, y in np.round(points).astype(int):
        assert edges[max(0, y - 1):y + 2, max(0, x - 1):x + 2].any()
    no_forehead = face_edge_map(points, 100, 100, thickness=1, forehead=False)
    assert (no_forehead > 0).sum() < (edges > 0).sum()
    with pytest.raises(InputError, match=r"\(68, 2\)"):
        face_edge_map(points[:60], 100, 100)
    with pytest.raises(InputError, match="NaN"):
        face_edge_map(np.full((68, 2), np.nan), 100, 100)
