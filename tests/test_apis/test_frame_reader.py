# Copyright (c) fami-pose-mm contributors. All rights reserved.
import os.path as osp

import numpy as np
import pytest
from apis_test_utils import CLIP_DIR, CLIP_MP4, write_synthetic_video

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
    with pytest.raises(ValueError, match=r'cannot read image .*000000.jpg'):
        list(VideoFrameReader(str(broken)))
    with pytest.raises(ValueError, match='webcam'):
        VideoFrameReader('webcam:x')
    with pytest.raises(ValueError, match='empty'):
        VideoFrameReader([])
    assert osp.isdir(CLIP_DIR)
