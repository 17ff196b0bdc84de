# Copyright (c) fami-pose-mm contributors. All rights reserved.
import os.path as osp

import cv2
import numpy as np
import pytest
from apis_test_utils import (CLIP_DIR, CLIP_MP4, corrupt_video_frame,
                             mjpeg_video, write_synthetic_video)

from fami_pose_mm.apis import VideoFrameReader


def test_reads_video_once_in_order():
    reader = VideoFrameReader(CLIP_MP4)
    assert (reader.name, len(reader), reader.fps) == (
        '000001_mpiinew_test', 5, 30.0)
    frames = list(reader)
    assert [n for n, _ in frames] == [f'{t:06d}.jpg' for t in range(5)]
    assert frames[0][1].shape == (720, 1280, 3)
    assert reader.num_reads == 5


def test_reads_folder_and_list(tmp_path):
    reader = VideoFrameReader(CLIP_DIR)
    names = [n for n, _ in reader]
    assert names == [f'{t:06d}.jpg' for t in range(5)]  # the .mp4 is skipped
    assert reader.num_reads == 5
    arrays = [np.zeros((4, 6, 3), np.uint8)] * 2
    names = [n for n, _ in VideoFrameReader(arrays)]
    assert names == ['000000.jpg', '000001.jpg']
    synthetic = write_synthetic_video(str(tmp_path / 's.mp4'), 3)
    assert len(list(VideoFrameReader(synthetic))) == 3


def test_bad_inputs(tmp_path):
    with pytest.raises(FileNotFoundError, match='nothere.mp4'):
        VideoFrameReader(str(tmp_path / 'nothere.mp4'))
    (tmp_path / 'empty').mkdir()
    with pytest.raises(ValueError, match='holds no images'):
        VideoFrameReader(str(tmp_path / 'empty'))
    garbage = tmp_path / 'garbage.mp4'
    garbage.write_bytes(b'not a video at all' * 10)
    with pytest.raises(ValueError, match='garbage.mp4'):
        list(VideoFrameReader(str(garbage)))
    broken = tmp_path / 'frames'
    broken.mkdir()
    (broken / '000000.jpg').write_bytes(b'xx')
    with pytest.warns(UserWarning, match=r'cannot read image .*000000.jpg'):
        with pytest.raises(ValueError, match='frames.* no readable frames'):
            list(VideoFrameReader(str(broken)))
    with pytest.raises(ValueError, match='webcam'):
        VideoFrameReader('webcam:x')
    with pytest.raises(ValueError, match='empty'):
        VideoFrameReader([])
    with pytest.raises(ValueError, match=r'frame 1 \(000001.jpg\) must be a '
                       r'BGR \(H, W, 3\) image, got shape \(4, 6\)'):
        list(VideoFrameReader([np.zeros((4, 6, 3)), np.zeros((4, 6))]))
    assert osp.isdir(CLIP_DIR)


def test_undecodable_frames_are_yielded_as_none(tmp_path):
    # Before, the reader stopped at a damaged video frame: the frames after
    # it were lost without a word.
    video = corrupt_video_frame(tmp_path / 'mid.avi', 4)
    reader = VideoFrameReader(video)
    with pytest.warns(UserWarning, match=r'frame 4 \(000004.jpg\) of mid: '
                      r'video .*mid.avi cannot decode it; skipped'):
        frames = list(reader)
    assert [n for n, _ in frames] == [f'{t:06d}.jpg' for t in range(8)]
    assert [f is None for _, f in frames] == [False] * 4 + [True] + [False] * 3
    assert (reader.num_reads, reader.unreadable) == (7, [4])
    folder = tmp_path / 'folder'
    folder.mkdir()
    for t in range(3):
        cv2.imwrite(str(folder / f'{t:06d}.jpg'), np.zeros((8, 8, 3)))
    (folder / '000001.jpg').write_bytes(b'')  # an empty file
    reader = VideoFrameReader(str(folder))
    with pytest.warns(UserWarning, match=r'frame 1 .*000001.jpg'):
        assert [f is None for _, f in reader] == [False, True, False]


def test_truncated_video_warns_with_the_frame_count(tmp_path):
    data, starts = mjpeg_video(tmp_path / 'full.avi')
    (tmp_path / 'cut.avi').write_bytes(data[:starts[5] + 10])
    reader = VideoFrameReader(str(tmp_path / 'cut.avi'))
    assert len(reader) == 8
    with pytest.warns(UserWarning, match=r'cut.avi: frames 5-7 of the 8 its '
                      'header announces cannot be decoded'):
        assert len(list(reader)) == 5


def test_frame_names_known_before_reading():
    assert VideoFrameReader(CLIP_MP4).frame_names() == [
        f'{t:06d}.jpg' for t in range(5)]
    assert VideoFrameReader(CLIP_DIR).frame_names()[-1] == '000004.jpg'
    assert VideoFrameReader('webcam:3').frame_names() is None


def test_folder_frames_without_zero_padding_are_read_in_natural_order(
        tmp_path):
    """``frame_2`` comes before ``frame_10`` (string order would put it
    after), so windows and tracks see the frames in time order."""
    for i in range(1, 13):
        cv2.imwrite(str(tmp_path / f'frame_{i}.png'),
                    np.full((8, 8, 3), 10 * i, np.uint8))
    names, greys = zip(*((name, int(frame[0, 0, 0]))
                         for name, frame in VideoFrameReader(str(tmp_path))))
    assert names == tuple(f'frame_{i}.png' for i in range(1, 13))
    assert greys == tuple(10 * i for i in range(1, 13))


def test_truncated_jpeg_is_skipped_not_half_grey(tmp_path):
    """cv2.imread decodes a truncated JPEG with its missing part grey; the
    reader refuses it as the datasets do (an empty entry, counted)."""
    folder = tmp_path / 'frames'
    folder.mkdir()
    for t in range(3):
        data = open(osp.join(CLIP_DIR, f'{t:06d}.jpg'), 'rb').read()
        if t == 1:
            data = data[:len(data) // 2]
            assert cv2.imread(osp.join(CLIP_DIR, f'{t:06d}.jpg')) is not None
        (folder / f'{t:06d}.jpg').write_bytes(data)
    assert cv2.imread(str(folder / '000001.jpg')) is not None  # grey half
    reader = VideoFrameReader(str(folder))
    with pytest.warns(UserWarning, match=r'frame 1 \(000001.jpg\) of frames: '
                      'cannot read image .*truncated'):
        frames = list(reader)
    assert [f is None for _, f in frames] == [False, True, False]
    assert reader.unreadable == [1] and reader.num_reads == 2
