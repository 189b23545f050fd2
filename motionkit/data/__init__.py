"""Datasets: synthetic data with exact ground truth, video folders, paired sequences (and their multi-folder
conditions), augmentation, crops."""
from .augmentation import AugmentationConfig, ClipAugmentation
from .condition_folders import (
    ConditionFolder,
    condition_frame_files,
    crop_center,
    list_condition_files,
    read_condition_frame,
)
from .crop import Track, crop_square, detect_and_track, iou, paste_back, square_box, track_boxes
from .paired_sequences import PairedSequencesDataset
from .synthetic import (
    COCO18_JOINTS,
    DANCER_PARTS,
    LABEL_MOTION_CLASSES,
    SCENE_CLASSES,
    DancersDataset,
    LabelMotionDataset,
    ScenesDataset,
    SpritesDataset,
)
from .video_folder import VideoFolderDataset

COMPONENTS = (SpritesDataset, ScenesDataset, LabelMotionDataset, DancersDataset, VideoFolderDataset,
              PairedSequencesDataset)

__all__ = [
    "AugmentationConfig", "ClipAugmentation", "ConditionFolder", "condition_frame_files", "crop_center", "list_condition_files",
    "read_condition_frame", "Track", "crop_square", "detect_and_track", "iou", "paste_back",
    "square_box", "track_boxes", "PairedSequencesDataset", "COCO18_JOINTS", "DANCER_PARTS", "LABEL_MOTION_CLASSES",
    "SCENE_CLASSES", "DancersDataset", "LabelMotionDataset", "ScenesDataset", "SpritesDataset", "VideoFolderDataset",
    "COMPONENTS",
]
