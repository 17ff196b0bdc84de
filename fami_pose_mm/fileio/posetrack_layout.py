# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The PoseTrack keypoint layouts, joint groups, skeleton and image ids.

PoseTrack18 files (and mmpose's ``posetrack18`` dataset) store 17 keypoint
slots in the COCO order, with ``head_bottom`` and ``head_top`` in the eye
slots and two ear slots that are never annotated. The official evaluation
(``poseval``) and PoseTrack17 files use 15 joints, identified by the ids
0-14 of :data:`POSEVAL_JOINTS`.
"""
from collections import OrderedDict
from typing import Dict, List, Sequence, Tuple

import numpy as np

#: The 17 keypoint slots of PoseTrack18 (mmpose's ``posetrack18`` order).
POSETRACK18_KEYPOINTS: Tuple[str, ...] = (
    'nose', 'head_bottom', 'head_top', 'left_ear', 'right_ear',
    'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow',
    'left_wrist', 'right_wrist', 'left_hip', 'right_hip', 'left_knee',
    'right_knee', 'left_ankle', 'right_ankle')
#: The 15 evaluated joints in ``poseval`` order; the position of a name
#: is its PoseTrack17 joint id.
POSEVAL_JOINTS: Tuple[str, ...] = (
    'right_ankle', 'right_knee', 'right_hip', 'left_hip', 'left_knee',
    'left_ankle', 'right_wrist', 'right_elbow', 'right_shoulder',
    'left_shoulder', 'left_elbow', 'left_wrist', 'head_bottom', 'nose',
    'head_top')
#: For each of the 15 joints (or PoseTrack17 joint id), its 17-layout slot.
SLOT_OF_JOINT: np.ndarray = np.array(
    [POSETRACK18_KEYPOINTS.index(name) for name in POSEVAL_JOINTS])
#: The groups ``poseval`` reports, in its order (names of the 15 joints).
POSEVAL_GROUPS: Dict[str, Tuple[str, ...]] = OrderedDict(
    Head=('head_top', 'head_bottom', 'nose'),
    Shoulder=('right_shoulder', 'left_shoulder'),
    Elbow=('right_elbow', 'left_elbow'),
    Wrist=('right_wrist', 'left_wrist'),
    Hip=('right_hip', 'left_hip'),
    Knee=('right_knee', 'left_knee'),
    Ankle=('right_ankle', 'left_ankle'))
#: Limbs as 1-based slot pairs (the ``skeleton`` of the COCO category).
POSETRACK18_SKELETON: List[List[int]] = [
    [16, 14], [14, 12], [17, 15], [15, 13], [12, 13], [6, 12], [7, 13],
    [6, 7], [6, 8], [7, 9], [8, 10], [9, 11], [2, 3], [1, 2], [1, 3],
    [2, 4], [3, 5], [4, 6], [5, 7]]
#: ``category_id`` of a person.
PERSON_CATEGORY_ID = 1
#: Frames per video in a PoseTrack image id (see :func:`posetrack_image_id`).
FRAMES_PER_VIDEO = 10_000
_VIDEOS = 1_000_000


def person_category(keypoint_names: Sequence[str] = POSETRACK18_KEYPOINTS,
                    skeleton: bool = False) -> dict:
    """The ``categories[0]`` record of a PoseTrack18 file.

    Args:
        keypoint_names (Sequence[str]): Names of the keypoint slots.
        skeleton (bool): Add :data:`POSETRACK18_SKELETON`.

    Returns:
        dict: ``supercategory``, ``id`` (1), ``name`` and ``keypoints``.
    """
    category = dict(supercategory='person', id=PERSON_CATEGORY_ID,
                    name='person', keypoints=list(keypoint_names))
    if skeleton:
        category['skeleton'] = [list(pair) for pair in POSETRACK18_SKELETON]
    return category


def posetrack_image_id(video_number: int, frame_index: int) -> int:
    """PoseTrack image id ``10**10 + video_number * 10**4 + frame_index``.

    Args:
        video_number (int): The video's number, ``0 <= n < 10**6``.
        frame_index (int): The frame's index, ``0 <= i < 10**4``.

    Returns:
        int: The image id.
    """
    if not (0 <= video_number < _VIDEOS and 0 <= frame_index
            < FRAMES_PER_VIDEO):
        raise ValueError('a PoseTrack image id needs 0 <= video_number < '
                         f'10**6 and 0 <= frame_index < 10**4, got '
                         f'{video_number} and {frame_index}')
    return 10**10 + video_number * FRAMES_PER_VIDEO + frame_index


def split_posetrack_image_id(image_id: int) -> Tuple[int, int]:
    """``(video_number, frame_index)`` of a PoseTrack image id."""
    return (image_id // FRAMES_PER_VIDEO % _VIDEOS,
            image_id % FRAMES_PER_VIDEO)
