"""Read and write OpenPose keypoint files: JSON (``*_keypoints.json``) and OpenCV FileStorage YAML.

Body layouts: ``"coco18"`` (18 joints), ``"body25"`` (25) and ``"body23"`` (the 23-joint order
EverybodyDanceNow's sample data uses). Face files have 70 points (``"face70"``), hands 21 (``"hand21"``).
Coordinates are pixels of the source frame, x first; undetected points have confidence 0. Parsed poses
are float64, exactly the decimal values in the file (rendering them reproduces the official labels
bit-exactly, which float32 rounding of the coordinates does not); use ``pose.to(torch.float32)`` to mix
them with float32 tensors.
"""
from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np
import torch

from ..errors import InputError
from ..io.atomic import atomic_file
from ..motion import Pose

BODY_LAYOUTS = {18: "coco18", 25: "body25", 23: "body23"}
JSON_FIELDS = {"body": "pose_keypoints_2d", "face": "face_keypoints_2d",
               "hand_left": "hand_left_keypoints_2d", "hand_right": "hand_right_keypoints_2d"}
PART_SIZES = {"face": (70, "face70"), "hand_left": (21, "hand21"), "hand_right": (21, "hand21")}
#: COCO-18 joint ``i`` is joint ``TO_COCO18[layout][i]`` of the other layouts
TO_COCO18 = {
    "coco18": list(range(18)),
    "body25": [0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18],
    "body23": [18, 0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 13, 14, 15, 19, 21, 20, 22],
}
#: BODY_23 joint ``i`` is BODY_25 joint ``BODY25_TO_BODY23[i]`` (EverybodyDanceNow's conversion)
BODY25_TO_BODY23 = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 22, 23, 12, 13, 14, 19, 20, 0, 15, 17, 16, 18]


def empty_pose(count: int, layout: str, people: int = 0) -> Pose:
    """A Pose with ``people`` rows of ``count`` undetected points (float64, like parsed poses)."""
    return Pose(torch.zeros(people, count, 2, dtype=torch.float64), torch.zeros(people, count, dtype=torch.float64),
                layout)


@dataclass
class OpenPoseFrame:
    """Keypoints of every person in one frame: ``body`` ``(P, J, 2)`` in its layout, ``face`` ``(P, 70, 2)``,
    ``hand_left`` / ``hand_right`` ``(P, 21, 2)`` (all-zero confidence where a part was not detected)."""

    body: Pose
    face: Pose = field(default_factory=lambda: empty_pose(70, "face70"))
    hand_left: Pose = field(default_factory=lambda: empty_pose(21, "hand21"))
    hand_right: Pose = field(default_factory=lambda: empty_pose(21, "hand21"))

    @property
    def num_people(self) -> int:
        return self.body.points.shape[0]


def as_openpose_frames(poses: Union[Pose, Sequence[OpenPoseFrame]], who: str) -> tuple[list[OpenPoseFrame], torch.device]:
    """What a pose renderer draws: a :class:`Pose` ``(B, J, 2)`` (one person per image) or a list of
    :class:`OpenPoseFrame` -> one frame per image (float64, on the CPU) and the device to return images on.
    ``who`` names the caller in errors."""
    if isinstance(poses, Pose):
        frames = [OpenPoseFrame(Pose(poses.points[i:i + 1].double().cpu(), poses.confidence[i:i + 1].double().cpu(),
                                     poses.layout)) for i in range(poses.points.shape[0])]
        device = poses.points.device
    elif isinstance(poses, (list, tuple)) and all(isinstance(p, OpenPoseFrame) for p in poses):
        frames, device = list(poses), torch.device("cpu")
    else:
        raise InputError(f"{who}: poses must be a Pose or a list of OpenPoseFrame, got {type(poses).__name__}")
    if not frames:
        raise InputError(f"{who}: no poses given")
    return frames, device


def _triplets(values: object, count: Optional[int], where: str) -> tuple[np.ndarray, int]:
    """Flat ``[x, y, c, ...]`` -> ``(N, 3)`` float64 array, validating length and finiteness."""
    if not isinstance(values, (list, tuple)) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        raise InputError(f"{where}: expected a flat list of numbers [x, y, confidence, ...]")
    array = np.asarray(values, dtype=np.float64)
    if array.size % 3:
        raise InputError(f"{where}: length {array.size} is not a multiple of 3 (x, y, confidence)")
    if not np.isfinite(array).all():
        raise InputError(f"{where}: contains NaN or infinite values")
    if count is not None and array.size and array.size != 3 * count:
        raise InputError(f"{where}: expected {count} points ({3 * count} numbers), got {array.size}")
    return array.reshape(-1, 3), array.size // 3


def _pose(rows: list[np.ndarray], count: int, layout: str) -> Pose:
    if not rows:
        return empty_pose(count, layout)
    stacked = np.stack([r if r.size else np.zeros((count, 3)) for r in rows])
    return Pose(torch.as_tensor(stacked[..., :2], dtype=torch.float64),
                torch.as_tensor(stacked[..., 2], dtype=torch.float64).clamp(0, 1), layout)


def _body_layout(count: int, where: str) -> str:
    if count not in BODY_LAYOUTS:
        raise InputError(f"{where}: {count} body keypoints; expected 18 (COCO), 23 (BODY_23) or 25 (BODY_25)")
    return BODY_LAYOUTS[count]


def parse_openpose_json(data: object, source: str = "<json>") -> OpenPoseFrame:
    """Parse a decoded OpenPose JSON document (``{"people": [{"pose_keypoints_2d": [...], ...}]}``)."""
    if not isinstance(data, dict) or not isinstance(data.get("people"), list):
        raise InputError(f"{source}: expected an object with a 'people' list (OpenPose JSON)")
    parts: dict[str, list[np.ndarray]] = {name: [] for name in JSON_FIELDS}
    body_count: Optional[int] = None
    for index, person in enumerate(data["people"]):
        if not isinstance(person, dict):
            raise InputError(f"{source}: people[{index}] is not an object")
        for name, key in JSON_FIELDS.items():
            where = f"{source}: people[{index}].{key}"
            expected = body_count if name == "body" else PART_SIZES[name][0]
            rows, count = _triplets(person.get(key, []), expected, where)
            if name == "body":
                if count == 0:
                    raise InputError(f"{where}: missing or empty")
                _body_layout(count, where)
                body_count = count
            parts[name].append(rows)
    if body_count is None:
        return OpenPoseFrame(empty_pose(0, "coco18"))
    return OpenPoseFrame(
        body=_pose(parts["body"], body_count, BODY_LAYOUTS[body_count]),
        **{name: _pose(parts[name], *PART_SIZES[name]) for name in PART_SIZES},
    )


def read_openpose_json(path: Union[str, os.PathLike]) -> OpenPoseFrame:
    """Read an OpenPose ``*_keypoints.json`` file (BODY_25, COCO-18 or BODY_23 body, optional face/hands)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such OpenPose JSON file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"{path}: not valid JSON ({error})") from None
    return parse_openpose_json(data, str(path))


_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?\.(?:inf|Inf|nan|NaN)"


def parse_opencv_yaml(text: str, source: str = "<yaml>") -> dict[str, np.ndarray]:
    """Parse the matrices of an OpenCV FileStorage YAML document (``%YAML:1.0``; nodes tagged
    ``!!opencv-nd-matrix`` with ``sizes``/``dt``/``data`` or ``!!opencv-matrix`` with ``rows``/``cols``/
    ``dt``/``data``) into float64 arrays of their declared shapes (values exactly as written)."""
    lines = text.splitlines()
    if not lines or not lines[0].startswith("%YAML"):
        raise InputError(f"{source}: not an OpenCV FileStorage YAML file (no %YAML header)")
    nodes: dict[str, dict[str, str]] = {}
    current: Optional[dict[str, str]] = None
    key: Optional[str] = None
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip() or line.strip() == "---":
            continue
        head = re.match(r"^([A-Za-z_][\w]*):\s*!!opencv-(nd-)?matrix\s*$", line)
        if head:
            current = nodes.setdefault(head.group(1), {"kind": "nd" if head.group(2) else "2d"})
            key = None
            continue
        item = re.match(r"^\s+(sizes|rows|cols|dt|data):\s*(.*)$", line)
        if item and current is not None:
            key = item.group(1)
            current[key] = item.group(2)
        elif line.startswith((" ", "\t")) and current is not None and key == "data":
            current["data"] += " " + line.strip()
        else:
            raise InputError(f"{source}: line {number}: unexpected content {line.strip()[:60]!r}")
    matrices = {}
    for name, node in nodes.items():
        matrices[name] = _matrix(node, f"{source}: {name}")
    return matrices


def _matrix(node: dict[str, str], where: str) -> np.ndarray:
    if "data" not in node:
        raise InputError(f"{where}: matrix has no 'data'")
    if node["kind"] == "nd":
        sizes = re.fullmatch(r"\[\s*(\d+(?:\s*,\s*\d+)*)\s*\]", node.get("sizes", "").strip())
        if not sizes:
            raise InputError(f"{where}: 'sizes' must be a list of integers, got {node.get('sizes')!r}")
        shape = tuple(int(s) for s in sizes.group(1).split(","))
    else:
        try:
            shape = (int(node["rows"]), int(node["cols"]))
        except (KeyError, ValueError):
            raise InputError(f"{where}: 'rows' and 'cols' must be integers") from None
    data = node["data"].strip()
    if not (data.startswith("[") and data.endswith("]")):
        raise InputError(f"{where}: 'data' must be a bracketed list")
    body = data[1:-1].strip()
    items = [item.strip() for item in body.split(",")] if body else []
    if not all(re.fullmatch(_NUMBER, item) for item in items):
        bad = next(item for item in items if not re.fullmatch(_NUMBER, item))
        raise InputError(f"{where}: 'data' holds a non-number {bad[:30]!r}")
    if len(items) != math.prod(shape):
        raise InputError(f"{where}: 'data' has {len(items)} values, sizes {list(shape)} need {math.prod(shape)}")
    return np.asarray([float(item) for item in items], dtype=np.float64).reshape(shape)


def read_opencv_yaml(path: Union[str, os.PathLike]) -> dict[str, np.ndarray]:
    """Read every matrix of an OpenCV FileStorage YAML file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such OpenCV YAML file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a text file") from None
    return parse_opencv_yaml(text, str(path))


def _yaml_part(path: Path, node: str, count: Optional[int]) -> Optional[tuple[np.ndarray, int]]:
    if not path.is_file():
        return None
    matrices = read_opencv_yaml(path)
    if node not in matrices:
        raise InputError(f"{path}: has no node {node!r} (found {', '.join(matrices) or 'none'})")
    matrix = matrices[node]
    if matrix.ndim != 3 or matrix.shape[2] != 3:
        raise InputError(f"{path}: {node} must have sizes [people, keypoints, 3], got {list(matrix.shape)}")
    if count is not None and matrix.shape[0] and matrix.shape[1] != count:
        raise InputError(f"{path}: {node} has {matrix.shape[1]} keypoints, expected {count}")
    if not np.isfinite(matrix).all():
        raise InputError(f"{path}: {node} contains NaN or infinite values")
    return matrix, matrix.shape[1]


def read_openpose_yaml(stem: Union[str, os.PathLike], node: int = 0) -> OpenPoseFrame:
    """Read ``<stem>_pose.yml`` and, where present, ``<stem>_face.yml``, ``<stem>_hand_left.yml``,
    ``<stem>_hand_right.yml`` (OpenPose's ``--write_keypoint`` YAML, as in EverybodyDanceNow's data).
    ``node`` selects the matrix node suffix (OpenPose writes ``pose_0`` etc.; each node holds every person
    of the frame, ``sizes: [people, keypoints, 3]``)."""
    stem = Path(stem)
    pose_path = stem.parent / f"{stem.name}_pose.yml"
    if not pose_path.is_file():
        raise FileNotFoundError(f"{pose_path}: no such OpenPose pose file")
    body = _yaml_part(pose_path, f"pose_{node}", None)
    assert body is not None
    rows, count = body
    layout = _body_layout(count, str(pose_path)) if rows.shape[0] else "coco18"
    parts = {}
    for name, (size, part_layout) in PART_SIZES.items():
        found = _yaml_part(stem.parent / f"{stem.name}_{name}.yml", f"{name}_{node}", size)
        parts[name] = (_pose(list(found[0]), size, part_layout) if found is not None and found[0].shape[0]
                       else empty_pose(size, part_layout, rows.shape[0]))
    return OpenPoseFrame(body=_pose(list(rows), count, layout), **parts)


def read_openpose(path: Union[str, os.PathLike]) -> OpenPoseFrame:
    """Read ``*.json`` with :func:`read_openpose_json`; a ``*_pose.yml`` path or a stem with
    :func:`read_openpose_yaml`."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        return read_openpose_json(path)
    if path.name.endswith("_pose.yml"):
        return read_openpose_yaml(path.parent / path.name[: -len("_pose.yml")])
    if path.suffix == "":
        return read_openpose_yaml(path)
    raise InputError(f"{path}: expected an OpenPose .json file or a *_pose.yml file")


def to_coco18(pose: Pose) -> Pose:
    """Reorder a ``coco18``/``body25``/``body23`` pose to COCO-18."""
    if pose.layout not in TO_COCO18:
        raise InputError(f"pose layout {pose.layout!r} cannot be converted to coco18")
    index = torch.tensor(TO_COCO18[pose.layout])
    return Pose(pose.points[:, index], pose.confidence[:, index], "coco18")


def openpose_json(frame: OpenPoseFrame) -> dict:
    """The OpenPose JSON document (version 1.3) of ``frame``."""
    people = []
    for person in range(frame.num_people):
        entry = {}
        for name, key in JSON_FIELDS.items():
            pose: Pose = getattr(frame, name)
            if pose.points.shape[0] > person and bool((pose.confidence[person] > 0).any()):
                values = torch.cat([pose.points[person], pose.confidence[person, :, None]], -1)
                entry[key] = [round(float(v), 4) for v in values.reshape(-1)]
            else:
                entry[key] = []
        people.append(entry)
    return {"version": 1.3, "people": people}


def write_openpose_json(path: Union[str, os.PathLike], frame: OpenPoseFrame) -> Path:
    """Write ``frame`` as an OpenPose JSON file (atomically)."""
    path = Path(path)
    with atomic_file(path) as temp:
        temp.write_text(json.dumps(openpose_json(frame)), encoding="utf-8")
    return path
