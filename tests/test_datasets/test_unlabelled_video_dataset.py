# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""UnlabelledVideoDataset: a folder of video files and frame folders and
a boxes file, no annotation; the frames laid out once, windows and own
crops as PoseTrackVideoDataset's; bad input named."""
import os
import os.path as osp
import shutil
import sys

import cv2
import numpy as np
import pytest
from mmengine.config import Config

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from video_data_helpers import CONFIGS, DATA, PT18, write_json  # noqa: E402

from fami_pose_mm.datasets import UnlabelledVideoDataset  # noqa: E402
from fami_pose_mm.utils.adapt import adapt_pipeline  # noqa: E402

CLIP = osp.join(DATA, 'videos', '000001_mpiinew_test')
CLIP_BOXES = osp.join(PT18, 'annotations', 'test_posetrack18_clip_boxes.json')
BOX = [365, 280, 185, 310]


@pytest.fixture
def video_root(tmp_path):
    """The real clip as a frame folder and as a video file, 12 frames named
    without zero padding (``frame_1`` .. ``frame_12``, frame i filled with
    grey level 10 i) and a stray text file."""
    root = tmp_path / 'videos'
    root.mkdir()
    os.symlink(CLIP, root / 'clip')
    shutil.copy(osp.join(CLIP, '000001_mpiinew_test.mp4'),
                root / 'clip_mp4.mp4')
    (root / 'unpadded').mkdir()
    for i in range(1, 13):
        cv2.imwrite(str(root / 'unpadded' / f'frame_{i}.png'),
                    np.full((720, 1280, 3), 10 * i, np.uint8))
    (root / 'notes.txt').write_text('not a video')
    return str(root)


def _boxes(tmp_path, names, track=0) -> str:
    return write_json(tmp_path / 'boxes.json', [
        dict(file_name=name, bbox=BOX, score=0.9, track_id=track)
        for name in names])


def _dataset(video_root, boxes, cache, **kwargs):
    return UnlabelledVideoDataset(video_root=video_root, bbox_file=boxes,
                                  cache_dir=str(cache),
                                  frame_offsets=(-1, 1), pipeline=[],
                                  **kwargs)


def test_videos_frames_boxes_and_windows(video_root, tmp_path):
    names = ['clip/000000.jpg', 'clip/000002.jpg', 'clip_mp4/000004.jpg',
             'unpadded/frame_10.png']
    with pytest.warns(UserWarning, match=r"ignored \['notes.txt'\]"):
        dataset = _dataset(video_root, _boxes(tmp_path, names),
                           tmp_path / 'cache')
    assert len(dataset) == 4
    assert dataset.layout_counts == dict(
        videos=3, frames=22, **{'frames without a box': 18})
    cache = str(tmp_path / 'cache' / 'frames')
    by_path = {dataset[i]['img_path']: dataset[i] for i in range(4)}
    # a frame folder's frames are linked in natural order: frame_10 is the
    # tenth (index 9), its neighbours frame_9 and frame_11
    sample = by_path[osp.join(cache, 'unpadded', '000009.jpg')]
    assert sample['supporting_img_paths'] == [
        osp.join(cache, 'unpadded', '000008.jpg'),
        osp.join(cache, 'unpadded', '000010.jpg')]
    for index, grey in ((8, 90), (9, 100), (10, 110)):  # PNGs, linked
        img = cv2.imread(osp.join(cache, 'unpadded', f'{index:06d}.jpg'))
        assert img[0, 0, 0] == grey
    # a video file is decoded once into numbered JPEG frames
    decoded = osp.join(cache, 'clip_mp4', '000004.jpg')
    sample = by_path[decoded]
    assert sample['supporting_img_paths'] == [
        osp.join(cache, 'clip_mp4', '000003.jpg'),
        osp.join(cache, 'clip_mp4', '000004.jpg')]  # the last frame repeats
    # own crops: the key box in each frame without a box of the track
    sample = by_path[osp.join(cache, 'clip', '000002.jpg')]
    x, y, w, h = BOX
    np.testing.assert_allclose(sample['bbox'][0], [x, y, x + w, y + h])
    assert sample['frame_bboxes'].shape == (3, 4)
    assert sample['track_id'] == 0
    # unchanged sources are reused, not decoded again
    stamp = os.stat(decoded).st_mtime_ns
    _dataset(video_root, _boxes(tmp_path, names), tmp_path / 'cache')
    assert os.stat(decoded).st_mtime_ns == stamp


def test_real_clip_through_the_adaptation_pipeline(tmp_path):
    """The real clip with its boxes file: every sample is the degraded clip
    plus the clean key crop."""
    cfg = Config.fromfile(osp.join(CONFIGS, 'posetrack18_video.py'))
    pipeline = adapt_pipeline(cfg.train_pipeline)
    assert [step['type'] for step in pipeline] == [
        'LoadVideoFrames', 'GetClipBBoxCenterScale', 'RandomClipFlip',
        'RandomClipBBoxTransform', 'ClipTopdownAffine', 'DegradeKeyFrame',
        'PackPoseInputs']
    dataset = UnlabelledVideoDataset(
        video_root=osp.join(DATA, 'videos'), bbox_file=CLIP_BOXES,
        cache_dir=str(tmp_path / 'cache'), frame_offsets=(-2, -1, 1, 2),
        pipeline=pipeline)
    assert len(dataset) == 3
    data = dataset[1]
    assert data['inputs'].shape == (6, 3, 384, 288)
    assert data['data_samples'].metainfo['frame_offsets'] == (-2, -1, 1, 2)


def test_bad_inputs_are_named(video_root, tmp_path):
    with pytest.raises(ValueError, match=r"names frame 'clip/000009.jpg'"):
        _dataset(video_root, _boxes(tmp_path, ['clip/000009.jpg']),
                 tmp_path / 'cache')
    empty = tmp_path / 'empty'
    empty.mkdir()
    with pytest.raises(ValueError, match='holds no video'):
        _dataset(str(empty), _boxes(tmp_path, []), tmp_path / 'cache')
    with pytest.raises(FileNotFoundError, match='does not exist'):
        _dataset(str(tmp_path / 'missing'), _boxes(tmp_path, []),
                 tmp_path / 'cache')
    with pytest.raises(FileNotFoundError, match='track_persons.py'):
        _dataset(video_root, str(tmp_path / 'no_boxes.json'),
                 tmp_path / 'cache')
    with pytest.raises(ValueError, match=r"reads no annotation file: "
                       r"remove \['ann_file'\]"):
        _dataset(video_root, CLIP_BOXES, tmp_path / 'cache', ann_file='x')
    os.symlink(CLIP, osp.join(video_root, 'clip_mp4'))  # a second 'clip_mp4'
    with pytest.raises(ValueError, match=r"several videos are named "
                       r"\['clip_mp4'\]"):
        _dataset(video_root, CLIP_BOXES, tmp_path / 'cache')
    os.remove(osp.join(video_root, 'clip_mp4'))
    with open(osp.join(video_root, 'broken.mp4'), 'wb') as f:
        f.write(b'not a video')
    with pytest.raises(ValueError, match='cannot open video .*broken.mp4'):
        _dataset(video_root, CLIP_BOXES, tmp_path / 'cache')


def test_an_undecodable_frame_is_left_out_and_counted(video_root, tmp_path):
    with open(osp.join(video_root, 'unpadded', 'frame_3.png'), 'wb') as f:
        f.write(b'\x89PNG truncated')
    with pytest.warns(UserWarning, match=r'1 frame\(s\) cannot be decoded'):
        dataset = _dataset(video_root,
                           _boxes(tmp_path, ['unpadded/frame_2.png']),
                           tmp_path / 'cache')
    assert dataset.layout_counts['unreadable frames'] == 1
    cache = tmp_path / 'cache' / 'frames' / 'unpadded'
    assert not (cache / '000002.jpg').exists()
    with pytest.raises(ValueError, match="names frame 'unpadded/frame_3.png'"):
        _dataset(video_root, _boxes(tmp_path, ['unpadded/frame_3.png']),
                 tmp_path / 'cache')
