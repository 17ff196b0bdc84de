# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Pure-numpy evaluation functions (no registry, no mmpose import).

The PoseTrack file reader and layout live in :mod:`fami_pose_mm.fileio`;
they are re-exported here for the evaluation API.
"""
from fami_pose_mm.fileio import (MISSING_SCORE, POSEVAL_JOINTS, SLOT_OF_JOINT,
                                 PoseTrackFrame, load_posetrack18_folders,
                                 load_posetrack18_video)
from .jhmdb_splits import average_over_splits
from .posetrack21_frames import KIT_JOINTS, KitFrame, prepare_videos
from .posetrack21_hota import evaluate_posetrack21_hota
from .posetrack21_map import evaluate_posetrack21_map
from .posetrack_ap import (JOINT_GROUPS, evaluate_posetrack, match_frame,
                           summarize, voc_ap)
from .posetrack_jitter import evaluate_jitter, summarize_jitter
from .posetrack_mota import (ClearMotAccumulator, evaluate_tracking,
                             frame_events, min_cost_matching,
                             summarize_tracking)

__all__ = [
    'ClearMotAccumulator', 'JOINT_GROUPS', 'KIT_JOINTS', 'KitFrame',
    'MISSING_SCORE', 'POSEVAL_JOINTS', 'SLOT_OF_JOINT', 'PoseTrackFrame',
    'average_over_splits', 'evaluate_jitter', 'evaluate_posetrack',
    'evaluate_posetrack21_hota', 'evaluate_posetrack21_map',
    'evaluate_tracking', 'prepare_videos',
    'frame_events',
    'load_posetrack18_folders', 'load_posetrack18_video', 'match_frame',
    'min_cost_matching', 'summarize', 'summarize_jitter',
    'summarize_tracking', 'voc_ap'
]
