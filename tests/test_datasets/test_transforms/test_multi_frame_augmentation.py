# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""One random draw per sample, applied identically to every frame.

Each synthetic frame carries a blue dot on the nose and a red dot on the
left wrist at the same place, and a grey patch that moves from frame to
frame. After the config's train pipeline (flip with joint swap, half-body,
scale/rotation/shift, affine crop) the dots found in every output frame
must sit where the transformed keypoints say (< 0.5 px), for 30 seeds.
"""
import os.path as osp
import sys

import cv2
import numpy as np
from mmengine.config import Config
from mmengine.dataset import Compose

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from video_data_helpers import (CONFIGS, PT18_CLIP, dot_centroid,  # noqa
                                load_json, write_json)

from fami_pose_mm.datasets import PoseTrackVideoDataset  # noqa: E402

NOSE, LEFT_WRIST, RIGHT_WRIST = 0, 9, 10
KPTS = [(160, 60), (160, 80), (160, 45), None, None, (180, 90), (140, 90),
        (190, 115), (130, 115), (200, 135), (120, 135), (175, 150),
        (145, 150), (178, 185), (142, 185), (180, 215), (140, 215)]


def _make_clip(tmp_path) -> str:
    folder = tmp_path / 'videos' / 'clip'
    folder.mkdir(parents=True)
    for t in range(5):
        img = np.zeros((240, 320, 3), np.uint8)
        img[10 + 40 * t:40 + 40 * t, 260:300] = 60  # moving grey patch
        for (x, y), ch in ((KPTS[NOSE], 0), (KPTS[LEFT_WRIST], 2)):
            img[y - 2:y + 3, x - 2:x + 3, ch] = 255
        cv2.imwrite(str(folder / f'{t:06d}.png'), img)
    ann = load_json(PT18_CLIP)
    flat = []
    for p in KPTS:
        flat += [0, 0, 0] if p is None else [p[0], p[1], 1]
    ann['images'] = [dict(ann['images'][1], width=320, height=240,
                          file_name='videos/clip/000002.png')]
    ann['annotations'] = [dict(ann['annotations'][1], bbox=[110, 35, 100,
                                                            190],
                               keypoints=flat)]
    return write_json(tmp_path / 'ann.json', ann)


def test_every_frame_gets_the_same_augmentation(tmp_path):
    cfg = Config.fromfile(osp.join(CONFIGS, 'posetrack18_video.py'))
    pipeline = cfg.train_pipeline
    pipeline[-1]['pack_transformed'] = True
    ds = PoseTrackVideoDataset(
        ann_file=_make_clip(tmp_path), data_root=str(tmp_path),
        frame_name_template='{:06d}.png', pipeline=pipeline)
    flips, scales, checked = 0, set(), 0
    for seed in range(30):
        np.random.seed(seed)
        packed = ds[0]
        inputs = packed['inputs'].numpy()
        meta = packed['data_samples'].metainfo
        assert inputs.shape == (5, 3, 384, 288) and inputs.dtype == np.uint8
        kpts = packed['data_samples'].gt_instances.transformed_keypoints[0]
        flips += bool(meta['flip'])
        scales.add(round(float(meta['input_scale'][0]), 3))
        wrist = RIGHT_WRIST if meta['flip'] else LEFT_WRIST
        for ch, k in ((0, NOSE), (2, wrist)):
            x, y = kpts[k]
            inside = 8 < x < 280 and 8 < y < 376
            outside = not (-8 < x < 296 and -8 < y < 392)
            for frame in inputs:
                found = dot_centroid(frame, ch)
                if outside:  # cropped away in every frame
                    assert found is None, (seed, ch)
                if not inside:  # cut by the crop border: no exact centroid
                    continue
                assert found is not None, (seed, ch)
                assert np.abs(found - kpts[k]).max() < 0.5, (seed, ch, found,
                                                             kpts[k])
                checked += 1
    assert 5 <= flips <= 25  # both branches exercised
    assert len(scales) > 10  # scales differ between draws
    assert checked >= 200


def test_packed_sample_follows_the_contract():
    cfg = Config.fromfile(osp.join(CONFIGS, 'posetrack18_video.py'))
    ds = PoseTrackVideoDataset(
        ann_file=PT18_CLIP, data_root=osp.dirname(osp.dirname(PT18_CLIP)),
        test_mode=True, pipeline=cfg.val_pipeline)
    packed = ds[1]
    meta = packed['data_samples'].metainfo
    assert tuple(packed['inputs'].shape) == (5, 3, 384, 288)
    assert meta['img_path'].endswith('000002.jpg')
    assert [osp.basename(p) for p in meta['supporting_img_paths']] == [
        '000000.jpg', '000001.jpg', '000003.jpg', '000004.jpg']
    assert meta['frame_offsets'] == (-2, -1, 1, 2)
    assert meta['img_id'] == 10000010002 and meta['id'] == 1000001000200
    assert meta['ori_shape'] == (720, 1280)
    np.testing.assert_allclose(meta['input_center'], [457.5, 435])
    # box 185x310 expanded 1.25x, padded to aspect 0.75
    np.testing.assert_allclose(meta['input_scale'], [290.625, 387.5])
    # key frame crop equals a direct single-frame warp of the key image
    compose = Compose([dict(type='LoadImage'),
                       dict(type='GetBBoxCenterScale'),
                       dict(type='TopdownAffine', input_size=(288, 384))])
    single = compose(dict(img_path=meta['img_path'],
                          bbox=np.array([[365, 280, 550, 590]], np.float32)))
    np.testing.assert_array_equal(packed['inputs'][0].numpy(),
                                  single['img'].transpose(2, 0, 1))
