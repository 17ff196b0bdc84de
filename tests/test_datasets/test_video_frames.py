# Copyright (c) fami-pose-mm contributors. All rights reserved.
import pytest

from fami_pose_mm.datasets.video_frames import (infer_frame_template,
                                                nearest_candidates,
                                                parse_frame_index)


def test_nearest_candidates_walk_towards_key():
    assert nearest_candidates(9, 7) == [8, 7]
    assert nearest_candidates(3, 7) == [4, 5, 6, 7]
    assert nearest_candidates(7, 7) == [7]


def test_frame_names():
    assert parse_frame_index('images/val/012834_mpii_test/000007.jpg') == 7
    assert parse_frame_index('clip/00000001.jpg') == 1
    assert infer_frame_template('a/00001.png') == '{:05d}.png'
    assert infer_frame_template('a/00001.png').format(12) == '00012.png'
    with pytest.raises(ValueError, match='frame_7.jpg'):
        parse_frame_index('a/frame_7.jpg')
