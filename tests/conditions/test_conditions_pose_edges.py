"""vid2vid-style OpenPose rendering (openpose-edges): limbs in their colours on black, undetected joints skipped."""
import json

import numpy as np
import pytest
import torch

import motionkit as mk
from motionkit.conditions import OpenPoseEdges, parse_openpose_json, render_openpose_edges
from motionkit.conditions.pose_edges import BODY_COLOURS, BODY_LIMBS, FACE_COLOUR, HAND_FINGER_COLOURS
from motionkit.errors import InputError


def person(body=None, face=None, left=None, right=None):
    """An OpenPose JSON person from ``{index: (x, y, confidence)}`` dicts (other points undetected)."""
    def flat(points, count):
        array = np.zeros((count, 3))
        for index, value in (points or {}).items():
            array[index] = value
        return array.reshape(-1).tolist()
    return {"pose_keypoints_2d": flat(body, 25), "face_keypoints_2d": flat(face, 70),
            "hand_left_keypoints_2d": flat(left, 21), "hand_right_keypoints_2d": flat(right, 21)}


def render(*people, height=50, width=40, **options):
    return render_openpose_edges(parse_openpose_json({"people": list(people)}), height, width, **options)


def colour_of(pair):
    return np.array(BODY_COLOURS[BODY_LIMBS.index(pair)], np.uint8)


def test_limb_drawn_in_its_colour_on_black_and_undetected_joints_skipped():
    # neck (1) -> mid hip (8) vertical at x = 20; the right shoulder (2) is below the 0.01 confidence threshold
    image = render(person(body={1: (20, 10, 0.9), 8: (20, 40, 0.8), 2: (35, 10, 0.005)}))
    assert image.shape == (50, 40, 3) and image.dtype == np.uint8
    neck_to_hip = colour_of((1, 8))
    row = image[25]
    assert (row[17:23] == neck_to_hip).all()              # 6 pixels wide: offsets -3..2, as vid2vid
    assert not row[:17].any() and not row[23:].any()      # black elsewhere
    assert not image[:, :10].any() and not image[:, 30:].any()
    coloured = image[image.any(-1)]
    # one limb only: every pixel is its colour, or (at the end caps) that colour averaged with black
    assert (coloured[:, 1:] == 0).all() and coloured[:, 0].max() == 153
    # with the shoulder detected, the neck -> shoulder limb appears in its colour; it touches the first limb, so
    # (vid2vid's blending) each shifted copy of it is averaged with what is there and ends a few levels darker
    image = render(person(body={1: (20, 10, 0.9), 8: (20, 40, 0.8), 2: (35, 10, 0.5)}))
    shoulder = image[9, 25].astype(int)
    assert shoulder[2] == 0 and shoulder[1] > 0 and np.abs(shoulder - colour_of((1, 2))).max() <= 10


def test_missing_points_and_zero_x_are_skipped_everywhere():
    assert not render(person()).any()
    assert not render().any()                              # no people: black
    # a joint at x == 0 counts as undetected (vid2vid's marker), even with confidence
    assert not render(person(body={1: (0, 10, 0.9), 8: (0, 40, 0.9)})).any()


def test_hands_and_face_chains():
    finger = {0: (10, 40, 0.9), 1: (14, 36, 0.9), 2: (18, 32, 0.9), 3: (22, 28, 0.9), 4: (26, 24, 0.9)}
    image = render(person(left=finger))
    assert (image[image.any(-1)][:, 1:] == 0).all()       # the thumb's colour (204, 0, 0) only
    assert (image == np.array(HAND_FINGER_COLOURS[0], np.uint8)).all(-1).sum() > 20
    # a finger with one point undetected is not drawn at all
    assert not render(person(left={**finger, 3: (22, 28, 0.0)})).any()
    eyebrow = {i: (5 + 5 * (i - 17), 10, 0.9) for i in range(17, 22)}
    image = render(person(face=eyebrow))
    coloured = image[image.any(-1)]
    assert (coloured == coloured[:, :1]).all() and (coloured == np.array(FACE_COLOUR, np.uint8)).all(-1).sum() > 20
    assert not image[:6].any() and not image[14:].any()   # white, 2 pixels wide (+ end caps) around y = 10
    # face points need confidence above 0.1
    assert not render(person(face={**eyebrow, 19: (15, 10, 0.05)})).any()


def test_basic_points_only_and_label_dropping():
    body = {0: (20, 5, 0.9), 15: (18, 3, 0.9), 1: (20, 10, 0.9), 8: (20, 40, 0.8)}
    eyebrow = {i: (5 + 5 * (i - 17), 45, 0.9) for i in range(17, 22)}
    full = render(person(body=body, face=eyebrow))
    basic = render(person(body=body, face=eyebrow), basic_points_only=True)
    assert full[45, 15].all() and not basic[45, 15].any()    # no face
    assert basic[25, 20].any()                               # body limbs
    assert full[..., 2].max() >= 102 and basic[..., 2].max() <= 51   # head limbs (blue >= 102) only in full
    rng = np.random.default_rng(0)
    assert not render(person(body=body, face=eyebrow), drop_prob=1.0, rng=rng).any()
    assert (render(person(body=body, face=eyebrow), drop_prob=0.0, rng=rng) == full).all()
    with pytest.raises(InputError, match="needs a random generator"):
        render(person(body=body), drop_prob=0.5)


def test_extractor_files_and_errors(tmp_path):
    path = tmp_path / "frame_keypoints.json"
    path.write_text(json.dumps({"people": [person(body={1: (20, 10, 0.9), 8: (20, 40, 0.8)})]}))
    extractor = mk.create("condition", "openpose-edges")
    images = extractor.from_files([path], 50, 40)
    assert images.shape == (1, 3, 50, 40) and images.dtype == torch.float32
    assert torch.equal(images[0], torch.from_numpy(render(json.loads(path.read_text())["people"][0])).permute(2, 0, 1) / 255)
    assert images[0, :, 0, 0].tolist() == [0.0, 0.0, 0.0]
    pose = mk.Pose(points=torch.zeros(2, 25, 2), confidence=torch.zeros(2, 25), layout="body25")
    pose.points[:, 1], pose.points[:, 8], pose.confidence[:, [1, 8]] = torch.tensor([20.0, 10.0]), torch.tensor([20.0, 40.0]), 1.0
    assert torch.equal(OpenPoseEdges()(pose, 50, 40), images.expand(2, -1, -1, -1))
    broken = tmp_path / "broken_keypoints.json"
    broken.write_text('{"people": [')
    with pytest.raises(InputError, match="broken_keypoints.json: not valid JSON"):
        extractor.from_files([broken], 50, 40)
    coco = tmp_path / "coco_keypoints.json"
    coco.write_text(json.dumps({"people": [{"pose_keypoints_2d": [10.0, 10.0, 1.0] * 18}]}))
    with pytest.raises(InputError, match="coco_keypoints.json: vid2vid's pose rendering needs BODY_25"):
        extractor.from_files([coco], 50, 40)
    far = tmp_path / "far_keypoints.json"
    far.write_text(json.dumps({"people": [person(body={1: (1e7, 10, 0.9)})]}))
    with pytest.raises(InputError, match="far_keypoints.json: keypoints lie far outside the 40x50 frame"):
        extractor.from_files([far], 50, 40)
