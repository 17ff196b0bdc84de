# Copyright (c) fami-pose-mm contributors. All rights reserved.
import numpy as np
import pytest

from fami_pose_mm.apis import FrameWindowBuffer


def _run(offsets, num_frames):
    """Push frames whose pixel value is their index; return the windows."""
    buffer = FrameWindowBuffer(offsets)
    windows, held = [], []
    for t in range(num_frames):
        windows += buffer.push(f'{t:06d}.jpg', np.full((2, 2, 3), t))
        held.append(len(buffer))
    windows += buffer.flush()
    return buffer, windows, held


def test_window_sources_with_edge_padding():
    _, windows, _ = _run((-2, -1, 1, 2), 6)
    assert [w.index for w in windows] == list(range(6))
    assert [w.sources for w in windows] == [
        [0, 0, 0, 1, 2], [1, 0, 0, 2, 3], [2, 0, 1, 3, 4], [3, 1, 2, 4, 5],
        [4, 2, 3, 5, 5], [5, 3, 4, 5, 5]]
    # the frames are the ones named by sources, key first
    w = windows[3]
    assert [int(f[0, 0, 0]) for f in w.frames] == [3, 1, 2, 4, 5]
    assert w.names == ['000003.jpg', '000001.jpg', '000002.jpg',
                       '000004.jpg', '000005.jpg']


def test_memory_is_bounded_and_output_delayed():
    buffer, windows, held = _run((-2, -1, 1, 2), 200)
    # 5 frames at most while a window is built, 4 kept between frames
    assert buffer.capacity == 5
    assert max(held) == 4
    assert len(windows) == 200
    # offline: key t is ready once frame t + 2 is pushed
    buffer = FrameWindowBuffer((-1, 1, 2))
    assert buffer.push('a', np.zeros(1)) == []
    assert buffer.push('b', np.zeros(1)) == []
    assert [w.index for w in buffer.push('c', np.zeros(1))] == [0]


def test_sequence_shorter_than_window():
    _, windows, _ = _run((-3, -2, -1, 1, 2, 3), 2)
    assert [w.sources for w in windows] == [[0, 0, 0, 0, 1, 1, 1],
                                            [1, 0, 0, 0, 1, 1, 1]]
    _, windows, _ = _run((-1, 1), 1)
    assert [w.sources for w in windows] == [[0, 0, 0]]


def test_online_has_no_delay_and_single_frame():
    buffer = FrameWindowBuffer((-2, -1))
    out = buffer.push('a', np.zeros(1))
    assert [w.sources for w in out] == [[0, 0, 0]]
    buffer.push('b', np.zeros(1))
    assert [w.sources for w in buffer.push('c', np.zeros(1))] == [[2, 0, 1]]
    assert buffer.capacity == 3 and buffer.flush() == []
    _, windows, held = _run((), 3)
    assert [w.sources for w in windows] == [[0], [1], [2]] and held == [0] * 3


@pytest.mark.parametrize('offsets', [(0, 1), (-1, -1), (1.5, )])
def test_bad_offsets(offsets):
    with pytest.raises(ValueError, match='frame_offsets'):
        FrameWindowBuffer(offsets)
