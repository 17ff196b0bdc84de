# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Pure-numpy evaluation functions (no registry, no mmpose import)."""
from .jhmdb_splits import average_over_splits
from .posetrack_ap import (JOINT_GROUPS, evaluate_posetrack, match_frame,
                           summarize, voc_ap)
from .posetrack_io import (MISSING_SCORE, POSETRACK18_SLOTS, POSEVAL_JOINTS,
                           SLOT_OF_JOINT, PoseTrackFrame,
                           load_posetrack18_folders, load_posetrack18_video)

__all__ = [
    'JOINT_GROUPS', 'MISSING_SCORE', 'POSETRACK18_SLOTS', 'POSEVAL_JOINTS',
    'SLOT_OF_JOINT', 'PoseTrackFrame', 'average_over_splits',
    'evaluate_posetrack', 'load_posetrack18_folders',
    'load_posetrack18_video', 'match_frame', 'summarize', 'voc_ap'
]
