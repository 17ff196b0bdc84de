# Copyright (c) fami-pose-mm contributors. All rights reserved.
import pytest

from fami_pose_mm.datasets.video_frames import (clamp_window,
                                                infer_frame_template,
                                                nearest_candidates,
                                                parse_frame_index)


def test_clamp_window_inside_and_at_edges():
    offs = (-2, -1, 1, 2)
    assert clamp_window(7, offs, 140, 0) == [5, 6, 8, 9]
    assert clamp_window(0, offs, 140, 0) == [0, 0, 1, 2]  # first frame
    assert clamp_window(139, offs, 140, 0) == [137, 138, 139, 139]
    assert clamp_window(1, offs, 30, 1) == [1, 1, 2, 3]  # 1-indexed
    assert clamp_window(30, offs, 30, 1) == [28, 29, 30, 30]


def test_clamp_window_short_sequences():
    offs = (-3, -2, -1, 1, 2, 3)
    assert clamp_window(0, offs, 1, 0) == [0] * 6  # only the key exists
    assert clamp_window(1, offs, 2, 0) == [0, 0, 0, 1, 1, 1]
    # a key outside the declared range widens it instead of jumping away
    assert clamp_window(5, (-1, 1), 3, 0) == [4, 5]


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
