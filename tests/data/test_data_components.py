"""Every registered dataset and condition extractor of the core meets the component interface."""
import numpy as np

import motionkit.conditions
import motionkit.data
from motionkit.data import PairedSequencesDataset, ScenesDataset, SpritesDataset, VideoFolderDataset
from motionkit.interfaces import kind_of
from motionkit.io import write_frame_folder
from motionkit.testing import check_component


def test_registered_names_and_kinds():
    datasets = {cls.name for cls in motionkit.data.COMPONENTS}
    assert datasets == {"sprites", "scenes", "label-motion", "dancers", "video-folder", "paired-sequences"}
    assert all(kind_of(cls) == "dataset" for cls in motionkit.data.COMPONENTS)
    conditions = {cls.name for cls in motionkit.conditions.COMPONENTS}
    assert conditions == {"canny", "face-landmarks", "face-edge-maps", "openpose-labels", "openpose-edges", "one-hot"}
    assert all(kind_of(cls) == "condition" for cls in motionkit.conditions.COMPONENTS)


def test_datasets_conform(tmp_path):
    check_component(SpritesDataset, {"height": 32, "width": 48, "length": 2})
    check_component(ScenesDataset, {"height": 32, "width": 48, "num_frames": 2, "length": 2})
    frames = [np.full((8, 8, 3), 40 * t, np.uint8) for t in range(3)]
    write_frame_folder(tmp_path / "train" / "v", frames)
    check_component(VideoFolderDataset, {"root": str(tmp_path)})
    write_frame_folder(tmp_path / "train_B" / "s", frames)
    write_frame_folder(tmp_path / "train_A" / "s", frames)
    check_component(PairedSequencesDataset, {"root": str(tmp_path), "condition_type": "images", "num_frames": 2})
