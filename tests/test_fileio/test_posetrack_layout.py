# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""PoseTrack keypoint layout tables, against the numbers they replace."""
import pytest

from fami_pose_mm.evaluation.functional import JOINT_GROUPS
from fami_pose_mm.fileio import (POSETRACK18_KEYPOINTS, POSETRACK18_SKELETON,
                                 POSEVAL_JOINTS, SLOT_OF_JOINT,
                                 person_category, posetrack_image_id,
                                 split_posetrack_image_id)


def test_layouts():
    assert len(POSETRACK18_KEYPOINTS) == 17 and len(POSEVAL_JOINTS) == 15
    assert POSETRACK18_KEYPOINTS[:3] == ('nose', 'head_bottom', 'head_top')
    # PoseTrack17 joint id -> 17-layout slot (the converter's former table)
    assert SLOT_OF_JOINT.tolist() == [16, 14, 12, 11, 13, 15, 10, 8, 6, 5,
                                      7, 9, 1, 0, 2]
    # poseval's groups, as indices of the 15 joints
    assert JOINT_GROUPS == dict(Head=[14, 12, 13], Shoulder=[8, 9],
                                Elbow=[7, 10], Wrist=[6, 11], Hip=[2, 3],
                                Knee=[1, 4], Ankle=[0, 5])
    assert list(JOINT_GROUPS) == ['Head', 'Shoulder', 'Elbow', 'Wrist',
                                  'Hip', 'Knee', 'Ankle']
    assert all(1 <= s <= 17 for pair in POSETRACK18_SKELETON for s in pair)


def test_person_category():
    assert person_category() == dict(
        supercategory='person', id=1, name='person',
        keypoints=list(POSETRACK18_KEYPOINTS))
    assert person_category(skeleton=True)['skeleton'][0] == [16, 14]


def test_image_ids():
    assert posetrack_image_id(12834, 7) == 10128340007
    assert split_posetrack_image_id(10128340007) == (12834, 7)
    with pytest.raises(ValueError, match='frame_index < 10\\*\\*4'):
        posetrack_image_id(1, 10000)
