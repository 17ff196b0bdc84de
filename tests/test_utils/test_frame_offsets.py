# Copyright (c) fami-pose-mm contributors. All rights reserved.
import numpy as np
import pytest

from fami_pose_mm.utils.frame_offsets import (ClipWindow, check_frame_offsets,
                                              check_num_frames, clamp_window)


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


def test_check_frame_offsets_keeps_order_and_gives_python_ints():
    assert check_frame_offsets([2, -1, np.int64(-2)]) == (2, -1, -2)
    assert all(type(d) is int for d in check_frame_offsets(np.array([1])))
    assert check_frame_offsets(()) == ()


@pytest.mark.parametrize('offsets, bad', [
    ((-1, 0, 1), '0 is the key frame itself'),
    ([2, -1, 2], '2 is repeated'),
    ((0.5, ), '0.5 is not an int'),
    ((False, 1), 'False is not an int'),
    (None, 'not a sequence of ints'),
])
def test_check_frame_offsets_names_the_bad_value(offsets, bad):
    with pytest.raises(ValueError) as info:
        check_frame_offsets(offsets)
    assert str(info.value) == (
        'frame_offsets must be distinct non-zero ints (offsets of the '
        f'supporting frames), got {offsets!r}: {bad}')


def test_check_num_frames_names_both_settings():
    check_num_frames(5, (-2, -1, 1, 2))
    check_num_frames(3, clip_length=3)
    with pytest.raises(ValueError) as info:
        check_num_frames(5, (-1, 1))
    assert str(info.value) == (
        'frame_offsets (-1, 1) give 3 frames per clip (the key frame first) '
        'but model.neck.num_frames is 5; set model.neck.num_frames = '
        '1 + len(frame_offsets)')
    with pytest.raises(
            ValueError,
            match=r'the data \(1 \+ len\(frame_offsets\)\) has 7 '
            r'frames per clip .* model.neck.num_frames is 5'):
        check_num_frames(5, clip_length=7)
    with pytest.raises(ValueError, match='frame_offsets or clip_length'):
        check_num_frames(5)


def test_clip_window_is_checked_once_and_reaches():
    window = ClipWindow((-3, -1, 2))
    assert window.offsets == (-3, -1, 2) and window.num_frames == 4
    assert (window.before, window.after, window.capacity) == (3, 2, 6)
    assert ClipWindow.of(window) is window
    assert ClipWindow.of([-3, -1, 2]) == window
    assert ClipWindow(()).capacity == 1 and ClipWindow((-2, -1)).after == 0
    with pytest.raises(ValueError, match='0 is the key frame'):
        ClipWindow.of((0, 1))
