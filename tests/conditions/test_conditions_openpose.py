"""OpenPose files: the EverybodyDanceNow samples parse and render to the official labels; bad files fail clearly."""
import json
import os
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from motionkit.conditions import (
    OpenPoseFrame,
    OpenPoseLabels,
    parse_opencv_yaml,
    parse_openpose_json,
    read_openpose,
    read_openpose_json,
    render_openpose,
    to_coco18,
    write_openpose_json,
)
from motionkit.errors import InputError
from motionkit.motion import Pose

SAMPLES = Path(os.environ.get("MOTIONKIT_PARITY_DIR", "/work/shared/parity")) / "everybody_dance_now" / "sample_openpose"
FRAMES = ["frame020001", "frame020005", "frame020009"]
needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason="parity samples not available")


@needs_samples
def test_sample_yaml_files_parse():
    frame = read_openpose(SAMPLES / "frame020001_pose.yml")
    assert frame.body.layout == "body23" and frame.body.points.shape == (1, 23, 2)
    assert frame.face.points.shape == (1, 70, 2) and frame.hand_right.points.shape == (1, 21, 2)
    assert frame.hand_left.confidence.sum() == 0  # undetected in these frames
    storage = cv2.FileStorage(str(SAMPLES / "frame020001_pose.yml"), cv2.FILE_STORAGE_READ)
    reference = storage.getNode("pose_0").mat()
    storage.release()
    assert np.allclose(frame.body.points[0].numpy(), reference[0, :, :2], rtol=1e-6)
    coco = to_coco18(frame.body)
    assert torch.equal(coco.points[0, 1], frame.body.points[0, 0])  # neck
    assert torch.equal(coco.points[0, 0], frame.body.points[0, 18])  # nose


@needs_samples
@pytest.mark.parametrize("name", FRAMES)
def test_sample_renders_match_official_labels(name):
    """Rendered at 1080x1920 and resized as the official pipeline does, labels match the stored PNGs."""
    image = render_openpose(read_openpose(SAMPLES / name), 1080, 1920)
    resized = np.asarray(Image.fromarray(image).resize((1024, 512), Image.LANCZOS)).astype(int)
    official = np.asarray(Image.open(SAMPLES / f"{name}_label.png").convert("RGB")).astype(int)
    difference = np.abs(resized - official)
    assert difference.max() <= 1 and (difference > 0).sum() <= 3


def body25_person(seed: int) -> dict:
    rng = np.random.default_rng(seed)
    pose = np.concatenate([rng.uniform(10, 90, (25, 2)), rng.uniform(0.3, 1, (25, 1))], 1)
    return {"pose_keypoints_2d": pose.reshape(-1).tolist(), "face_keypoints_2d": [], "hand_left_keypoints_2d": [],
            "hand_right_keypoints_2d": []}


def test_json_body25_and_coco18_parse_render_and_round_trip(tmp_path):
    document = {"version": 1.3, "people": [body25_person(0), body25_person(1)]}
    path = tmp_path / "f_keypoints.json"
    path.write_text(json.dumps(document))
    frame = read_openpose_json(path)
    assert frame.body.layout == "body25" and frame.num_people == 2
    coco = to_coco18(frame.body)
    assert torch.equal(coco.points[:, 8], frame.body.points[:, 9])  # right hip skips mid-hip
    labels = OpenPoseLabels().from_files([path], 100, 120)
    assert labels.shape == (1, 3, 100, 120) and (labels < 1).any()
    coco_frame = OpenPoseFrame(Pose(coco.points, coco.confidence, "coco18"))
    out = write_openpose_json(tmp_path / "coco_keypoints.json", coco_frame)
    again = read_openpose_json(out)
    assert again.body.layout == "coco18"
    assert torch.allclose(again.body.points, coco.points, atol=1e-4)
    assert torch.allclose(again.body.confidence, coco.confidence, atol=1e-4)


def test_pose_tensor_labels_draw_limbs_between_joints():
    points = torch.tensor([[[40.0, 20.0], [40.0, 40.0], [30.0, 40.0], [30.0, 60.0], [30.0, 80.0]] + [[0.0, 0.0]] * 13])
    confidence = torch.tensor([[1.0] * 5 + [0.0] * 13])
    image = OpenPoseLabels(stroke_scale=0.25)(Pose(points, confidence, "coco18"), 100, 80)[0]
    assert (image[:, 50, 30] < 0.9).any()  # on the right upper arm (2 -> 3)
    assert (image[:, 50, 60] == 1).all()  # far from every limb
    assert (image[:, 90, 70] == 1).all()


def test_bad_openpose_inputs(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing_keypoints.json"):
        read_openpose_json(tmp_path / "missing_keypoints.json")
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(InputError, match="broken.json: not valid JSON"):
        read_openpose_json(tmp_path / "broken.json")
    with pytest.raises(InputError, match="people"):
        parse_openpose_json({"persons": []}, "x.json")
    with pytest.raises(InputError, match=r"x.json: people\[0\].pose_keypoints_2d: length 10"):
        parse_openpose_json({"people": [{"pose_keypoints_2d": [1.0] * 10}]}, "x.json")
    with pytest.raises(InputError, match="20 body keypoints"):
        parse_openpose_json({"people": [{"pose_keypoints_2d": [1.0] * 60}]}, "x.json")
    with pytest.raises(InputError, match="NaN"):
        parse_openpose_json({"people": [{"pose_keypoints_2d": [float("nan")] * 54}]}, "x.json")
    with pytest.raises(InputError, match=r"people\[1\].pose_keypoints_2d: expected 18 points"):
        parse_openpose_json({"people": [{"pose_keypoints_2d": [1.0] * 54}, {"pose_keypoints_2d": [1.0] * 75}]}, "x.json")
    with pytest.raises(InputError, match="face_keypoints_2d: expected 70"):
        parse_openpose_json({"people": [{"pose_keypoints_2d": [1.0] * 54, "face_keypoints_2d": [1.0] * 3}]}, "x.json")
    with pytest.raises(InputError, match="no %YAML header"):
        parse_opencv_yaml("pose_0: 1\n", "y.yml")
    with pytest.raises(InputError, match="y.yml: pose_0: 'data' has 2 values"):
        parse_opencv_yaml("%YAML:1.0\npose_0: !!opencv-nd-matrix\n   sizes: [ 1, 1, 3 ]\n   dt: f\n   data: [ 1., 2. ]\n", "y.yml")
    (tmp_path / "a_pose.yml").write_text("%YAML:1.0\npose_0: !!opencv-nd-matrix\n   sizes: [ 1, 2, 3 ]\n   dt: f\n"
                                         "   data: [ 1., 2., 1., 3., 4., 1. ]\n")
    with pytest.raises(InputError, match="a_pose.yml: 2 body keypoints"):
        read_openpose(tmp_path / "a_pose.yml")
    with pytest.raises(InputError, match="expected an OpenPose"):
        read_openpose(tmp_path / "a.txt")


def test_zero_people_frames_render_blank():
    frame = parse_openpose_json({"people": []})
    assert frame.num_people == 0
    assert (render_openpose(frame, 10, 12) == 255).all()


numbers = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**6, 10**6))
json_values = st.recursive(st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=5)),
                           lambda inner: st.one_of(st.lists(inner, max_size=6),
                                                   st.dictionaries(st.sampled_from(["people", "pose_keypoints_2d",
                                                                                    "face_keypoints_2d", "x"]), inner, max_size=4)),
                           max_leaves=30)


@settings(max_examples=60, deadline=None)
@given(document=json_values, body=st.lists(numbers, max_size=80))
def test_fuzz_openpose_json_parser(document, body):
    for candidate in (document, {"people": [{"pose_keypoints_2d": body}]}):
        try:
            frame = parse_openpose_json(candidate, "fuzz.json")
        except InputError as error:
            assert "fuzz.json" in str(error)
        else:
            image = render_openpose(frame, 16, 16)
            assert image.shape == (16, 16, 3)


yaml_lines = st.lists(st.one_of(
    st.sampled_from(["pose_0: !!opencv-nd-matrix", "   sizes: [ 1, 18, 3 ]", "   sizes: [ 1, 2 ]", "   dt: f",
                     "   data: [ 1., 2., 3.,", "       4., 5. ]", "   rows: 2", "   cols: x", "---", ""]),
    st.text(max_size=30)), max_size=12)


@settings(max_examples=150, deadline=None)
@given(lines=yaml_lines, header=st.booleans())
def test_fuzz_opencv_yaml_parser(lines, header):
    text = ("%YAML:1.0\n" if header else "") + "\n".join(lines)
    try:
        matrices = parse_opencv_yaml(text, "fuzz.yml")
    except InputError as error:
        assert "fuzz.yml" in str(error)
    else:
        assert all(isinstance(m, np.ndarray) and m.dtype == np.float64 for m in matrices.values())
