# Copyright (c) fami-pose-mm contributors. All rights reserved.
import json

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


# The datasets (training, testing) and the inferencer build windows with the
# same rules (fami_pose_mm.utils.frame_offsets): compare them end to end.
def _dataset_windows(tmp_path, offsets, num_frames):
    """Supporting frame indices per key frame, from PoseTrackVideoDataset."""
    from fami_pose_mm.datasets import PoseTrackVideoDataset
    images, anns = [], []
    for t in range(num_frames):
        images.append(dict(id=t, file_name=f'images/val/v/{t:06d}.jpg',
                           nframes=num_frames, width=64, height=64))
        anns.append(dict(id=t, image_id=t, category_id=1, iscrowd=0,
                         bbox=[8, 8, 32, 32],
                         keypoints=[16, 16, 2] + [0, 0, 0] * 16))
    ann_file = tmp_path / f'ann_{len(offsets)}_{num_frames}.json'
    ann_file.write_text(json.dumps(dict(images=images, annotations=anns)))
    ds = PoseTrackVideoDataset(ann_file=str(ann_file), frame_offsets=offsets,
                               test_mode=True)
    infos = sorted((ds.get_data_info(i) for i in range(len(ds))),
                   key=lambda info: info['img_id'])
    return [info['supporting_frame_indices'] for info in infos]


@pytest.mark.parametrize('offsets, num_frames', [
    ((-2, -1, 1, 2), 6),
    ((-3, -2, -1, 1, 2, 3), 2),  # video shorter than the window
    ((-1, 1), 1),  # a single frame: the key frame stands in for all
    ((-2, -1), 4),  # online: past frames only
    ((2, -1), 4),  # order kept as given
    ((), 3),  # single-frame model
])
def test_dataset_and_inferencer_give_the_same_windows(tmp_path, offsets,
                                                      num_frames):
    _, windows, _ = _run(offsets, num_frames)
    buffered = [w.sources[1:] for w in windows]
    assert buffered == _dataset_windows(tmp_path, offsets, num_frames)
    if offsets == (-3, -2, -1, 1, 2, 3):
        assert buffered == [[0, 0, 0, 1, 1, 1], [0, 0, 0, 1, 1, 1]]
    if offsets == (-2, -1):
        assert buffered == [[0, 0], [0, 0], [0, 1], [1, 2]]


@pytest.mark.parametrize('offsets, reason', [
    ((-1, 0, 1), '0 is the key frame itself'),
    ((1, 1), '1 is repeated'),
    ((1.5, ), '1.5 is not an int'),
    ((-1.0, 1), '-1.0 is not an int'),
    ((True, ), 'True is not an int'),
    (1, 'not a sequence of ints'),
    ('-1', 'not a sequence of ints'),
])
def test_dataset_and_inferencer_reject_the_same_offsets(
        pose_files, offsets, reason):
    from fami_pose_mm.apis import VideoPoseInferencer
    from fami_pose_mm.datasets import PoseTrackVideoDataset
    messages = []
    for build in (
            lambda: FrameWindowBuffer(offsets),
            lambda: VideoPoseInferencer(*pose_files, device='cpu',
                                        frame_offsets=offsets),
            lambda: PoseTrackVideoDataset(frame_offsets=offsets,
                                          lazy_init=True)):
        with pytest.raises(ValueError) as info:
            build()
        messages.append(str(info.value))
    assert messages[0] == messages[1] == messages[2]
    assert messages[0] == (
        'frame_offsets must be distinct non-zero ints (offsets of the '
        f'supporting frames), got {offsets!r}: {reason}')


def test_offsets_of_numpy_ints_are_accepted_as_python_ints():
    buffer = FrameWindowBuffer(np.array([-1, 1]))
    assert buffer.frame_offsets == (-1, 1)
    assert all(type(d) is int for d in buffer.frame_offsets)


def test_undecodable_frames_are_replaced_by_the_nearest_decodable():
    buffer = FrameWindowBuffer((-2, -1, 1, 2))
    windows = []
    for t in range(6):
        frame = None if t in (2, 3) else np.full((2, 2, 3), t)
        windows += buffer.push(f'{t:06d}.jpg', frame)
    windows += buffer.flush()
    assert [w.readable for w in windows] == [True, True, False, False, True,
                                             True]
    assert windows[2].frames == [None] and windows[2].sources == [2]
    # 2 -> 1 (nearest), 3 -> 4 (nearest); ties go to the key frame's side
    assert windows[1].sources == [1, 0, 0, 1, 1]
    assert windows[4].sources == [4, 4, 4, 5, 5]
    assert [int(f[0, 0, 0]) for f in windows[4].frames] == [4, 4, 4, 5, 5]


def test_frames_of_a_window_must_have_one_size():
    # Before, a window mixing sizes went to the model: every frame was
    # cropped with the key frame's box in its own pixel grid.
    buffer = FrameWindowBuffer((-1, 1))
    buffer.push('a.jpg', np.zeros((4, 6, 3)))
    buffer.push('b.jpg', np.zeros((4, 6, 3)))
    with pytest.raises(ValueError, match=r'frame 2 \(c.jpg\) is 8x4, key '
                       r'frame 1 \(b.jpg\) 6x4: the frames of a window must '
                       'have one size'):
        buffer.push('c.jpg', np.zeros((4, 8, 3)))
