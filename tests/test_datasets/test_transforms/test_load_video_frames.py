# Copyright (c) fami-pose-mm contributors. All rights reserved.
import os
import os.path as osp
import shutil
import sys

import numpy as np
import pytest

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from video_data_helpers import PT18, PT18_CLIP  # noqa: E402

from fami_pose_mm.datasets import PoseTrackVideoDataset  # noqa: E402
from fami_pose_mm.datasets.transforms import LoadVideoFrames  # noqa: E402


def _clip_info(key: int = 1, **kw) -> dict:
    ds = PoseTrackVideoDataset(
        ann_file=PT18_CLIP, data_root=PT18, test_mode=True, **kw)
    return ds.get_data_info(key)


def test_loads_five_real_consecutive_frames():
    res = LoadVideoFrames()(_clip_info())  # key frame 2 of 000000-000004
    imgs = res['img']
    assert len(imgs) == 5 and res['img_shape'] == (720, 1280)
    assert all(im.shape == (720, 1280, 3) and im.dtype == np.uint8
               for im in imgs)
    assert res['supporting_frame_indices'] == [0, 1, 3, 4]
    # a true multi-frame sample: the frames differ, neighbours the least
    diff = [np.abs(imgs[0].astype(int) - im).mean() for im in imgs[1:]]
    assert min(diff) > 0.5
    assert diff[1] < diff[0] and diff[2] < diff[3]
    assert isinstance(res['img_path'], str)


def _copy_clip(tmp_path, drop=()):
    src = osp.join(PT18, 'videos', '000001_mpiinew_test')
    dst = tmp_path / 'videos' / '000001_mpiinew_test'
    os.makedirs(dst)
    for i in range(5):
        if i not in drop:
            shutil.copy(osp.join(src, f'{i:06d}.jpg'), dst)
    return str(dst)


def test_missing_frame_error_names_video_frame_and_path(tmp_path):
    _copy_clip(tmp_path, drop=(4, ))
    info = _clip_info(data_prefix=dict(img=str(tmp_path)))
    with pytest.raises(FileNotFoundError,
                       match=r'video 000001: supporting frame 4 \(offset 2\)'
                       r' not found: .*000004\.jpg'):
        LoadVideoFrames()(info)


def test_missing_frame_nearest_fallback_counts_per_video(tmp_path):
    _copy_clip(tmp_path, drop=(3, 4))
    info = _clip_info(data_prefix=dict(img=str(tmp_path)),
                      missing_frame='nearest')
    load = LoadVideoFrames()
    with pytest.warns(UserWarning, match=r'video 000001: frame 4 missing'):
        res = load(dict(info))
    assert res['supporting_frame_indices'] == [0, 1, 2, 2]
    assert osp.basename(res['supporting_img_paths'][3]) == '000002.jpg'
    np.testing.assert_array_equal(res['img'][3], res['img'][0])
    assert load.fallback_counts['000001'] == 2
    with pytest.warns(UserWarning, match='4 substitution'):
        load(dict(info))
    # the transform's own setting overrides the dataset's
    with pytest.raises(FileNotFoundError):
        LoadVideoFrames(missing_frame='error')(dict(info))


def test_missing_key_frame_and_corrupt_image(tmp_path):
    frame_dir = _copy_clip(tmp_path, drop=(2, ))
    info = _clip_info(data_prefix=dict(img=str(tmp_path)),
                      missing_frame='nearest')
    with pytest.raises(FileNotFoundError,
                       match=r'video 000001: key frame 2 not found'):
        LoadVideoFrames()(info)
    with open(osp.join(frame_dir, '000002.jpg'), 'wb') as f:
        f.write(b'not a jpeg at all')
    with pytest.raises(ValueError, match=r'video 000001: key frame 2: .*'
                       r'000002.jpg could not be decoded'):
        LoadVideoFrames()(info)


def test_frames_of_different_size_are_rejected(tmp_path):
    import cv2
    frame_dir = _copy_clip(tmp_path)
    cv2.imwrite(osp.join(frame_dir, '000001.jpg'),
                np.zeros((10, 20, 3), np.uint8))
    info = _clip_info(data_prefix=dict(img=str(tmp_path)))
    with pytest.raises(ValueError, match=r'frame 1 .* has shape \(10, 20, 3'):
        LoadVideoFrames()(info)


def test_bad_arguments_and_key_path_type():
    with pytest.raises(ValueError, match='missing_frame'):
        LoadVideoFrames(missing_frame='skip')
    with pytest.raises(ValueError, match='img_path must be the key frame'):
        LoadVideoFrames()(dict(img_path=['a.jpg', 'b.jpg']))


@pytest.mark.parametrize('frame, content, match', [
    (2, b'', r'video 000001: key frame 2: .*000002\.jpg is empty \(0 bytes\)'),
    (3, b'', r'video 000001: frame 3 \(offset 1 of key frame 2, .*000002'
     r'\.jpg\): .*000003\.jpg is empty \(0 bytes\)'),
    (3, bytes(np.random.default_rng(0).integers(0, 256, 2000, np.uint8)),
     r'video 000001: frame 3 \(offset 1 of key frame 2, .*\): .*000003\.jpg'
     r' could not be decoded'),
    (4, 'truncated', r'frame 4 \(offset 2 of key frame 2, .*\): .*000004\.jpg'
     r' could not be decoded'),
])
def test_empty_or_undecodable_frame_names_file_and_key_frame(
        tmp_path, frame, content, match):
    frame_dir = _copy_clip(tmp_path)
    path = osp.join(frame_dir, f'{frame:06d}.jpg')
    if content == 'truncated':  # first half of a real JPEG
        with open(path, 'rb') as f:
            content = f.read()
        content = content[:len(content) // 2]
    with open(path, 'wb') as f:
        f.write(content)
    info = _clip_info(data_prefix=dict(img=str(tmp_path)))
    with pytest.raises(ValueError, match=match):
        LoadVideoFrames()(info)
