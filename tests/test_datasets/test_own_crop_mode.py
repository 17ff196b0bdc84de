# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""``crop_mode='own'``: each frame's box is the same track's box in that
frame (ground truth or tracked detections), the key box otherwise
(counted); the synthetic variant (e) config builds and packs the crop
affines."""
import os.path as osp
import warnings

import numpy as np
import pytest
from mmengine.config import Config
from mmpose.registry import DATASETS
from mmpose.structures.bbox import get_warp_matrix
from video_data_helpers import PT18_CLIP, load_json, write_json

from fami_pose_mm.datasets import PoseTrackVideoDataset
from fami_pose_mm.datasets.frame_boxes import (DUPLICATE, NO_TRACK_ID,
                                               NOT_IN_FRAME, OWN_BOX,
                                               UNTRACKED_FILE, ZERO_AREA,
                                               frame_box_summary)

CONFIG_E = osp.join(
    osp.dirname(osp.abspath(__file__)), '..', '..', 'configs', 'synthetic',
    'e_fami_own.py')


def _ann(root: str, split: str = 'train') -> str:
    return osp.join(root, 'annotations', f'posetrack18_{split}.json')


def _expected_boxes(ann: dict) -> dict:
    """(video folder, frame, track) -> clipped xyxy, computed directly."""
    images = {img['id']: img for img in ann['images']}
    boxes = {}
    for a in ann['annotations']:
        img = images[a['image_id']]
        folder, name = osp.split(img['file_name'])
        x, y, w, h = a['bbox']
        boxes[(folder, int(name[:6]), a['track_id'])] = [
            max(x, 0), max(y, 0), min(x + w, img['width'] - 1),
            min(y + h, img['height'] - 1)]
    return boxes


def test_own_boxes_are_the_same_track_in_the_neighbour_frames(
        synthetic_root, tmp_path):
    ann = load_json(_ann(synthetic_root))
    # a second video with the same track ids and shifted boxes: the index
    # must not mix videos
    other = [dict(img, id=img['id'] + 10**6,
                  file_name=img['file_name'].replace('synthetic_train',
                                                     'synthetic_copy'))
             for img in ann['images']]
    other_anns = [dict(a, id=a['id'] + 10**8,
                       image_id=a['image_id'] + 10**6,
                       bbox=[a['bbox'][0] + 9, *a['bbox'][1:]])
                  for a in ann['annotations']]
    ann['images'] += other
    ann['annotations'] += other_anns
    ds = PoseTrackVideoDataset(
        ann_file=write_json(tmp_path / 'two_videos.json', ann),
        data_root=synthetic_root, crop_mode='own')
    expected = _expected_boxes(ann)
    assert len(ds) == 30
    moving = 0
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        boxes = info['frame_bboxes']
        assert boxes.shape == (5, 4) and boxes.dtype == np.float32
        np.testing.assert_array_equal(boxes[0], info['bbox'][0])
        folder = osp.relpath(info['frame_dir'], synthetic_root)
        for t, index in enumerate(info['supporting_frame_indices'], 1):
            np.testing.assert_allclose(
                boxes[t], expected[(folder, index, info['track_id'])],
                atol=1e-3)
        moving += not np.allclose(boxes[1:], boxes[0])
    assert moving == 30  # the synthetic people move: real per-frame boxes
    assert ds.frame_box_counts == {OWN_BOX: 4 * 30}


def test_key_box_fallbacks_are_counted_by_reason(synthetic_root, tmp_path):
    ann = load_json(_ann(synthetic_root))
    frame = {img['id']: int(img['file_name'][-10:-4]) for img in ann['images']}
    kept = []
    for a in ann['annotations']:
        t, track = frame[a['image_id']], a['track_id']
        if (t, track) == (3, 1):
            continue  # track 1 not annotated in frame 3
        if (t, track) == (0, 2):
            del a['track_id']  # a person without track id
        if (t, track) == (4, 0):
            a['bbox'] = [400, 50, 30, 60]  # outside the 320-wide image
        kept.append(a)
    ann['annotations'] = kept
    ds = PoseTrackVideoDataset(
        ann_file=write_json(tmp_path / 'holes.json', ann),
        data_root=synthetic_root, crop_mode='own')
    assert len(ds) == 13 and ds.skip_counts == {'zero-area box': 1}
    # windows: key 0 -> [0, 0, 1, 2], 1 -> [0, 0, 2, 3], 2 -> [0, 1, 3, 4],
    # 3 -> [1, 2, 4, 4], 4 -> [2, 3, 4, 4] (frames equal to the key frame
    # are the key frame's own box)
    assert ds.frame_box_counts == {
        NO_TRACK_ID: 2,  # key 0, track 2: frames 1 and 2
        NOT_IN_FRAME: 6,  # track 1 at frame 3 (3x), track 2 at frame 0 (3x)
        ZERO_AREA: 3,  # track 0 at frame 4: keys 2 (1x) and 3 (2x)
        OWN_BOX: 13 * 4 - 11}
    by_key = {(frame[ds.get_data_info(i)['img_id']],
               ds.get_data_info(i).get('track_id')): ds.get_data_info(i)
              for i in range(len(ds))}
    info = by_key[(2, 1)]  # frames 0, 1, 3, 4: frame 3 falls back
    boxes = info['frame_bboxes']
    np.testing.assert_array_equal(boxes[3], boxes[0])
    assert not np.allclose(boxes[[1, 2, 4]], boxes[0])
    np.testing.assert_array_equal(by_key[(0, None)]['frame_bboxes'],
                                  np.repeat(by_key[(0, None)]['bbox'], 5, 0))
    info = by_key[(2, 0)]
    np.testing.assert_array_equal(info['frame_bboxes'][4],
                                  info['frame_bboxes'][0])
    # the line logged after loading
    assert frame_box_summary(ds.frame_box_counts) == (
        '41 supporting frames with their own box, 11 with the key box ('
        + ', '.join(f'{k[len("key box: "):]}: {v}'
                    for k, v in ds.frame_box_counts.items()
                    if k != OWN_BOX) + ')')


def test_duplicate_track_in_a_frame_keeps_the_first_box(
        synthetic_root, tmp_path):
    ann = load_json(_ann(synthetic_root))
    first = next(a for a in ann['annotations']
                 if a['image_id'] % 100 == 1 and a['track_id'] == 0)
    ann['annotations'].append(dict(first, id=1, bbox=[
        first['bbox'][0] + 30, *first['bbox'][1:]]))
    ds = PoseTrackVideoDataset(
        ann_file=write_json(tmp_path / 'dup.json', ann),
        data_root=synthetic_root, crop_mode='own')
    assert ds.frame_box_counts[DUPLICATE] == 1
    info = next(ds.get_data_info(i) for i in range(len(ds))
                if ds.get_data_info(i)['img_id'] % 100 == 2
                and ds.get_data_info(i)['track_id'] == 0)
    x, y, w, h = first['bbox']  # frame 1 is row 2 (offset -1)
    np.testing.assert_allclose(info['frame_bboxes'][2], [x, y, x + w, y + h],
                               atol=1e-3)


def _val_detections(root: str) -> list:
    """The val GT boxes as detections with their track ids."""
    return [dict(image_id=a['image_id'],
                 bbox=[a['bbox'][0] + 2, *a['bbox'][1:]],
                 score=0.9, category_id=1, track_id=a['track_id'])
            for a in load_json(_ann(root, 'val'))['annotations']]


def test_detection_file_with_track_ids_links_the_frames(
        synthetic_root, tmp_path):
    dets = _val_detections(synthetic_root)
    del dets[0]['track_id']  # one detection without a track
    ds = PoseTrackVideoDataset(
        ann_file=_ann(synthetic_root, 'val'), data_root=synthetic_root,
        bbox_file=write_json(tmp_path / 'tracked.json', dets),
        test_mode=True, crop_mode='own')
    by_image = {d['image_id']: d for d in dets}
    images = {img['id']: img for img in load_json(
        _ann(synthetic_root, 'val'))['images']}
    frame_image = {int(img['file_name'][-10:-4]): i
                   for i, img in images.items()}
    untracked = dets[0]['image_id']
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        boxes = info['frame_bboxes']
        if info['img_id'] == untracked:
            np.testing.assert_array_equal(boxes, np.repeat(info['bbox'], 5,
                                                           0))
            continue
        for t, index in enumerate(info['supporting_frame_indices'], 1):
            if index == info['key_frame_index']:
                np.testing.assert_array_equal(boxes[t], boxes[0])
            elif frame_image[index] == untracked:
                np.testing.assert_array_equal(boxes[t], boxes[0])
            else:
                x, y, w, h = by_image[frame_image[index]]['bbox']
                np.testing.assert_allclose(
                    boxes[t], [x, y, min(x + w, 319), min(y + h, 239)],
                    atol=1e-3)
    assert ds.frame_box_counts[NO_TRACK_ID] == 2  # key frame 0: frames 1, 2
    assert ds.frame_box_counts[NOT_IN_FRAME] == 3  # frame 0 for keys 1, 2
    assert sum(ds.frame_box_counts.values()) == 4 * len(ds) == 20


def test_detection_file_without_track_ids_warns_once_and_uses_key_box(
        synthetic_root):
    bbox_file = osp.join(synthetic_root, 'annotations',
                         'posetrack18_val_human_detections.json')
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        ds = PoseTrackVideoDataset(
            ann_file=_ann(synthetic_root, 'val'), data_root=synthetic_root,
            bbox_file=bbox_file, test_mode=True, crop_mode='own')
    told = [w for w in caught if 'has no track_id' in str(w.message)]
    assert len(told) == 1 and bbox_file in str(told[0].message)
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        np.testing.assert_array_equal(info['frame_bboxes'],
                                      np.repeat(info['bbox'], 5, 0))
    counts = ds.frame_box_counts
    assert set(counts) == {OWN_BOX, UNTRACKED_FILE}  # own: window edges
    assert counts[UNTRACKED_FILE] > counts[OWN_BOX]
    assert sum(counts.values()) == 4 * len(ds)


def test_key_mode_is_unchanged(synthetic_root):
    ds = PoseTrackVideoDataset(ann_file=_ann(synthetic_root),
                               data_root=synthetic_root)
    assert ds.crop_mode == 'key' and not ds.frame_box_counts
    assert 'frame_bboxes' not in ds.get_data_info(0)


def test_bad_crop_mode_is_named():
    with pytest.raises(ValueError,
                       match=r"crop_mode must be one of \('key', 'own'\), "
                       r"got 'middle'"):
        PoseTrackVideoDataset(ann_file=PT18_CLIP, crop_mode='middle')


def test_own_mode_refuses_the_key_box_transforms():
    pipeline = [dict(type='LoadVideoFrames'),
                dict(type='GetBBoxCenterScale'),
                dict(type='RandomFlip'),
                dict(type='TopdownAffine', input_size=(288, 384))]
    with pytest.raises(ValueError, match=(
            r"crop_mode='own'.*replace GetBBoxCenterScale with "
            r'GetClipBBoxCenterScale, RandomFlip with RandomClipFlip, '
            r'TopdownAffine with ClipTopdownAffine')):
        PoseTrackVideoDataset(ann_file=PT18_CLIP, crop_mode='own',
                              pipeline=pipeline)


def test_synthetic_variant_e_config(synthetic_root):
    cfg = Config.fromfile(CONFIG_E)
    assert cfg.model.crop_mode == 'own'
    plain = {'GetBBoxCenterScale', 'RandomFlip', 'RandomHalfBody',
             'RandomBBoxTransform', 'TopdownAffine'}
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        ds_cfg = cfg[loader].dataset
        assert ds_cfg.crop_mode == 'own'
        types = [t['type'] for t in ds_cfg.pipeline]
        assert 'ClipTopdownAffine' in types and not plain & set(types)
        assert 'frame_warp_mats' in ds_cfg.pipeline[-1]['meta_keys']
    # the variant differs from (d) in the crops only
    cfg_d = Config.fromfile(CONFIG_E.replace('e_fami_own', 'd_fami'))
    assert [t['type'] for t in cfg_d.train_pipeline] == [
        'LoadVideoFrames', 'GetBBoxCenterScale', 'RandomFlip',
        'RandomBBoxTransform', 'TopdownAffine', 'GenerateTarget',
        'PackPoseInputs']
    assert [{k: v for k, v in t.items() if k != 'type'}
            for t in cfg.train_pipeline] == [
                {k: v for k, v in t.items() if k != 'type'}
                for t in cfg_d.train_pipeline]
    # training: ground-truth boxes of every frame
    train = DATASETS.build(dict(cfg.train_dataloader.dataset,
                                data_root=synthetic_root))
    assert train.frame_box_counts == {OWN_BOX: 4 * len(train)}
    np.random.seed(0)
    packed = train[2]
    mats = packed['data_samples'].metainfo['frame_warp_mats']
    assert mats.shape == (5, 2, 3) and mats.dtype == np.float32
    assert not np.allclose(mats[1:], mats[0])
    assert tuple(packed['inputs'].shape) == (5, 3, 128, 96)
    # val: the generated detection file has no track ids
    val_cfg = dict(cfg.val_dataloader.dataset, data_root=synthetic_root,
                   bbox_file=osp.join(
                       synthetic_root, 'annotations',
                       'posetrack18_val_human_detections.json'))
    with pytest.warns(UserWarning, match='has no track_id'):
        val = DATASETS.build(val_cfg)
    meta = val[0]['data_samples'].metainfo
    key = get_warp_matrix(meta['input_center'], meta['input_scale'], 0.,
                          output_size=(96, 128))
    np.testing.assert_allclose(meta['frame_warp_mats'],
                               np.repeat(key[None], 5, 0), atol=1e-5)
