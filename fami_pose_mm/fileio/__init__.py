# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""PoseTrack file formats: keypoint layout, detection files, prediction
and ground-truth files; and MMPose's per-video prediction file.

The one home of this knowledge for the datasets, the evaluation and the
video inferencer. A leaf of the package: its modules import only numpy
and the standard library (no torch, mmengine or mmpose, nothing else of
``fami_pose_mm``), so datasets, evaluation and apis all import it, and it
imports none of them: no cycle, no upward import.
"""
from .detection_file import (Detection, filter_detections, read_detections,
                             read_json)
from .mmpose_predictions import (MMPosePredictionWriter,
                                 load_mmpose_predictions)
from .output_paths import (check_outputs_apart, check_writable_dir,
                           check_writable_file, finite_json)
from .posetrack_folders import load_posetrack18_folders, pair_frames
from .posetrack_frame import MAX_TRACK_ID, MISSING_SCORE, PoseTrackFrame
from .posetrack_json import load_posetrack18_video
from .posetrack_json_writer import PoseTrackVideoWriter
from .posetrack_layout import (FRAMES_PER_VIDEO, PERSON_CATEGORY_ID,
                               POSETRACK18_KEYPOINTS, POSETRACK18_SKELETON,
                               POSEVAL_GROUPS, POSEVAL_JOINTS, SLOT_OF_JOINT,
                               person_category, posetrack_image_id,
                               split_posetrack_image_id)

__all__ = [
    'Detection', 'FRAMES_PER_VIDEO', 'MAX_TRACK_ID', 'MISSING_SCORE',
    'MMPosePredictionWriter', 'PERSON_CATEGORY_ID',
    'POSETRACK18_KEYPOINTS', 'POSETRACK18_SKELETON', 'POSEVAL_GROUPS',
    'POSEVAL_JOINTS', 'PoseTrackFrame', 'PoseTrackVideoWriter',
    'SLOT_OF_JOINT', 'check_outputs_apart', 'check_writable_dir',
    'check_writable_file', 'filter_detections', 'finite_json', 'load_posetrack18_folders',
    'load_mmpose_predictions', 'load_posetrack18_video', 'pair_frames',
    'person_category',
    'posetrack_image_id', 'read_detections', 'read_json',
    'split_posetrack_image_id'
]
