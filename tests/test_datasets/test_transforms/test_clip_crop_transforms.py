# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""``crop_mode='own'`` transforms: one random draw per sample, applied to
each frame's own box; ``frame_warp_mats`` are the crops' affines.

A 5-frame clip of one tracked person whose box moves and grows; each frame
has a blue dot at its box centre and a red dot 20 px right of it.
"""
import os
import os.path as osp
import sys

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.dataset import Compose

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from video_data_helpers import CONFIGS, dot_centroid, write_json  # noqa: E402

from fami_pose_mm.datasets import PoseTrackVideoDataset  # noqa: E402
from fami_pose_mm.datasets.transforms import (  # noqa: E402
    LoadVideoFrames, RandomClipBBoxTransform, RandomClipHalfBody)
from fami_pose_mm.utils.crop_modes import own_crop_pipeline  # noqa: E402

W, H = 320, 240
IN_W, IN_H = 288, 384
BLUE, RED = 0, 2
MOVING = [(100 + 25 * t, 100 + 6 * t, 70 + 10 * t, 120 + 12 * t)
          for t in range(5)]  # centre x, y and size w, h of frame t's box
STILL = [(160, 120, 90, 160)] * 5


def _keypoints(cx, cy, w, h) -> list:
    """17 visible joints spread over the box."""
    flat = []
    for j in range(17):
        flat += [cx + ((j * 7) % 17 / 16 - 0.5) * 0.7 * w,
                 cy + (j / 16 - 0.5) * 0.8 * h, 2]
    return flat


def _clip(tmp_path, boxes) -> str:
    """Frames and annotation file of one tracked person."""
    folder = tmp_path / 'videos' / 'clip'
    folder.mkdir(parents=True)
    images, anns = [], []
    for t, (cx, cy, w, h) in enumerate(boxes):
        img = np.zeros((H, W, 3), np.uint8)
        for x, ch in ((cx, BLUE), (cx + 20, RED)):
            img[cy - 2:cy + 3, x - 2:x + 3, ch] = 255
        cv2.imwrite(str(folder / f'{t:06d}.png'), img)
        images.append(dict(id=100 + t, file_name=f'videos/clip/{t:06d}.png',
                           nframes=5, width=W, height=H))
        anns.append(dict(id=500 + t, image_id=100 + t, category_id=1,
                         track_id=7, iscrowd=0,
                         bbox=[cx - w / 2, cy - h / 2, w, h],
                         keypoints=_keypoints(cx, cy, w, h)))
    return write_json(tmp_path / 'clip.json',
                      dict(images=images, annotations=anns))


def _dataset(ann_file, pipeline, crop_mode='own', **kw):
    return PoseTrackVideoDataset(
        ann_file=ann_file, data_root=osp.dirname(ann_file),
        frame_name_template='{:06d}.png', pipeline=pipeline,
        crop_mode=crop_mode, **kw)


def _train_pipelines():
    """The base config's train pipeline (flip, half-body, shift, scale,
    rotation) with mmpose's transforms and with the clip variants."""
    key = Config.fromfile(osp.join(CONFIGS,
                                   'posetrack18_video.py')).train_pipeline
    key[-1]['pack_transformed'] = True
    own = own_crop_pipeline(key)
    return key, own


def _run(ds, seed):
    np.random.seed(seed)
    packed = ds[2]  # key frame 2, supporting frames 0, 1, 3, 4
    return packed['inputs'].numpy(), packed['data_samples']


def test_identical_boxes_give_exactly_the_key_crops(tmp_path):
    ann = _clip(tmp_path, STILL)
    key_pipeline, own_pipeline = _train_pipelines()
    key = _dataset(ann, key_pipeline, crop_mode='key')
    own = _dataset(ann, own_pipeline)
    key_clip = _dataset(ann, own_pipeline, crop_mode='key')
    flips, rotations = 0, set()
    for seed in range(20):
        key_in, key_ds = _run(key, seed)
        for ds in (own, key_clip):
            inputs, sample = _run(ds, seed)
            np.testing.assert_array_equal(inputs, key_in)
            np.testing.assert_array_equal(sample.gt_fields.heatmaps,
                                          key_ds.gt_fields.heatmaps)
            for name in ('input_center', 'input_scale', 'flip'):
                np.testing.assert_array_equal(sample.metainfo[name],
                                              key_ds.metainfo[name])
            mats = sample.metainfo['frame_warp_mats']
            assert mats.shape == (5, 2, 3) and mats.dtype == np.float32
            np.testing.assert_array_equal(mats, mats[:1].repeat(5, 0))
        assert 'frame_warp_mats' not in key_ds.metainfo  # mmpose's affine
        flips += bool(sample.metainfo['flip'])
        rotations.add(round(float(np.arctan2(mats[0, 1, 0], mats[0, 0, 0])),
                            3))
    assert 3 <= flips <= 17 and len(rotations) > 5  # draws do vary


def _padded_width(w, h):
    """Box width after GetBBoxCenterScale(1.25) and the aspect fix."""
    return max(1.25 * w, 1.25 * h * IN_W / IN_H)


def test_each_frame_is_cropped_around_its_own_box(tmp_path):
    pipeline = [
        dict(type='LoadVideoFrames'),
        dict(type='GetClipBBoxCenterScale', padding=1.25),
        dict(type='RandomClipFlip', prob=0.5),
        dict(type='RandomClipBBoxTransform', shift_prob=0.0,
             scale_factor=(0.7, 1.3), rotate_factor=30.0, rotate_prob=1.0),
        dict(type='ClipTopdownAffine', input_size=(IN_W, IN_H)),
        dict(type='PackPoseInputs', meta_keys=('flip', 'frame_warp_mats'))
    ]
    ds = _dataset(_clip(tmp_path, MOVING), pipeline)
    window = [2, 0, 1, 3, 4]  # frame of each clip row
    flips = 0
    for seed in range(20):
        inputs, sample = _run(ds, seed)
        flip = sample.metainfo['flip']
        mats = sample.metainfo['frame_warp_mats']
        flips += bool(flip)
        angles, zooms = [], []
        for t, frame in enumerate(inputs):
            # the blue dot (box centre) at the crop centre in every frame
            np.testing.assert_allclose(dot_centroid(frame, BLUE),
                                       [IN_W / 2, IN_H / 2], atol=0.5)
            # the red dot (right of the centre) on the left iff flipped
            red = dot_centroid(frame, RED)
            assert (red[0] < IN_W / 2) == bool(flip), (seed, t)
            angles.append(np.arctan2(mats[t, 1, 0], mats[t, 0, 0]))
            zooms.append(np.hypot(*mats[t, :, 0]) *
                         _padded_width(*MOVING[window[t]][2:]))
        # one rotation and one scale factor for all frames
        np.testing.assert_allclose(angles, angles[0], atol=1e-5)
        np.testing.assert_allclose(zooms, zooms[0], rtol=1e-5)
    assert 3 <= flips <= 17


def test_frame_warp_mats_map_image_points_into_each_crop(tmp_path):
    _, pipeline = _train_pipelines()  # with shift and half-body
    ds = _dataset(_clip(tmp_path, MOVING), pipeline)
    window = [2, 0, 1, 3, 4]
    checked = 0
    for seed in range(20):
        inputs, sample = _run(ds, seed)
        meta = sample.metainfo
        mats = meta['frame_warp_mats']
        for t, frame in enumerate(inputs):
            cx, cy = MOVING[window[t]][:2]
            for ch, x in ((BLUE, cx), (RED, cx + 20)):
                if meta['flip']:
                    x = W - 1 - x
                expected = mats[t] @ [x, cy, 1]
                found = dot_centroid(frame, ch)
                if not (8 < expected[0] < IN_W - 8
                        and 8 < expected[1] < IN_H - 8):
                    continue
                assert found is not None, (seed, t, ch)
                np.testing.assert_allclose(found, expected, atol=0.5)
                checked += 1
        # keypoint targets: the key frame's joints through the key warp
        kpts = np.array(_keypoints(*MOVING[2])).reshape(17, 3)[:, :2]
        if meta['flip']:
            kpts = kpts[meta['flip_indices']]
            kpts[:, 0] = W - 1 - kpts[:, 0]
        np.testing.assert_allclose(
            sample.gt_instances.transformed_keypoints[0],
            kpts @ mats[0][:, :2].T + mats[0][:, 2], atol=1e-3)
    assert checked >= 150


def test_shift_and_scale_are_relative_to_each_box():
    centers = np.array([[100, 80], [150, 90], [60, 70]], np.float32)
    scales = np.array([[50, 100], [100, 200], [25, 50]], np.float32)
    results = dict(bbox_center=centers[:1].copy(),
                   bbox_scale=scales[:1].copy(),
                   frame_centers=centers.copy(), frame_scales=scales.copy())
    np.random.seed(1)
    out = RandomClipBBoxTransform(shift_prob=1.0, rotate_prob=1.0)(results)
    offset = (out['bbox_center'] - centers[:1]) / scales[:1]
    factor = out['bbox_scale'] / scales[:1]
    assert np.abs(offset).max() > 0.01 and abs(factor[0, 0] - 1) > 0.01
    np.testing.assert_allclose(out['frame_centers'],
                               centers + offset * scales, rtol=1e-5)
    np.testing.assert_allclose(out['frame_scales'], scales * factor,
                               rtol=1e-6)
    assert out['bbox_rotation'].shape == (1, ) and out['bbox_rotation'][0]


def test_half_body_box_is_carried_to_each_frame():
    kpts = np.array(_keypoints(100, 100, 60, 120)).reshape(1, 17, 3)
    centers = np.array([[100, 100], [140, 90], [100, 100]], np.float32)
    scales = np.array([[75, 150], [150, 300], [75, 150]], np.float32)
    results = dict(
        bbox_center=centers[:1].copy(), bbox_scale=scales[:1].copy(),
        frame_centers=centers.copy(), frame_scales=scales.copy(),
        keypoints=kpts[..., :2].astype(np.float32),
        keypoints_visible=np.ones((1, 17), np.float32),
        upper_body_ids=list(range(11)), lower_body_ids=list(range(11, 17)))
    out = RandomClipHalfBody(prob=1.0)(results)
    c, s = out['bbox_center'][0], out['bbox_scale'][0]
    assert not np.allclose(s, scales[0])
    np.testing.assert_allclose(out['frame_centers'],
                               [c, [140, 90] + (c - centers[0]) * 2, c],
                               rtol=1e-5)
    np.testing.assert_allclose(out['frame_scales'], [s, 2 * s, s],
                               rtol=1e-6)
    # a frame with the key frame's box gets exactly the key's result
    np.testing.assert_array_equal(out['frame_centers'][2], c)


def _sample(**kw) -> dict:
    imgs = [np.zeros((H, W, 3), np.uint8) for _ in range(3)]
    boxes = np.array([[100, 50, 200, 200], [110, 60, 210, 210],
                      [120, 70, 220, 220]], np.float32)
    return dict(img=imgs, img_shape=(H, W), img_path='videos/clip/2.png',
                bbox=boxes[:1].copy(), frame_bboxes=boxes,
                flip_indices=list(range(17)), **kw)


@pytest.mark.parametrize('transforms, match', [
    ([dict(type='GetClipBBoxCenterScale'), dict(type='RandomFlip', prob=1.0),
      dict(type='ClipTopdownAffine', input_size=(96, 128))],
     'the key box moved but frame_centers/frame_scales did not'),
    ([dict(type='GetBBoxCenterScale'),
      dict(type='ClipTopdownAffine', input_size=(96, 128))],
     'frame_bboxes but no frame_centers: use GetClipBBoxCenterScale'),
    ([dict(type='GetClipBBoxCenterScale'),
      dict(type='ClipTopdownAffine', input_size=(96, 128)),
      dict(type='RandomClipFlip', prob=1.0)], 'put it before'),
])
def test_misordered_or_mixed_transforms_are_named(transforms, match):
    with pytest.raises(ValueError, match=match) as info:
        Compose(transforms)(_sample())
    assert 'videos/clip/2.png' in str(info.value)


def test_frame_count_mismatch_is_named():
    sample = _sample()
    sample['img'] = sample['img'][:2]
    with pytest.raises(ValueError, match='3 frame boxes for 2 frames'):
        Compose([dict(type='GetClipBBoxCenterScale'),
                 dict(type='ClipTopdownAffine', input_size=(96, 128))
                 ])(sample)


def test_substituted_frame_gets_the_key_box(tmp_path):
    ann = _clip(tmp_path, MOVING)
    os.remove(tmp_path / 'videos' / 'clip' / '000004.png')
    info = _dataset(ann, [], missing_frame='nearest').get_data_info(2)
    assert not np.allclose(info['frame_bboxes'][4], info['frame_bboxes'][0])
    with pytest.warns(UserWarning, match='frame 4 missing'):
        res = LoadVideoFrames()(info)
    assert res['supporting_frame_indices'] == [0, 1, 3, 3]
    np.testing.assert_array_equal(res['frame_bboxes'][4],
                                  res['frame_bboxes'][0])
    assert not np.allclose(res['frame_bboxes'][3], res['frame_bboxes'][0])
