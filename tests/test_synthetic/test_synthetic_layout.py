# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Layout and PoseTrack18 format of the generated set."""
import hashlib
import json
import os
import os.path as osp
import re

import cv2
import numpy as np
from xtcocotools.coco import COCO

FIXTURE_DIR = osp.join(osp.dirname(__file__), '..', 'data', 'posetrack18',
                       'annotations')


def _load(path):
    with open(path) as f:
        return json.load(f)


def test_files_in_posetrack18_layout(tiny_set):
    root, cfg, summary = tiny_set
    ann = osp.join(root, 'annotations')
    assert sorted(os.listdir(ann)) == [
        'posetrack18_test.json', 'posetrack18_test_human_detections.json',
        'posetrack18_test_joint_flags.json', 'posetrack18_train.json',
        'posetrack18_train_joint_flags.json', 'posetrack18_val.json',
        'posetrack18_val_human_detections.json',
        'posetrack18_val_joint_flags.json', 'test', 'val']
    assert sorted(os.listdir(osp.join(ann, 'val'))) == [
        '100001_synthetic_val.json', '100002_synthetic_val.json']
    assert os.listdir(osp.join(ann, 'test')) == ['200001_synthetic_test.json']
    assert os.listdir(osp.join(root, 'images', 'train')) == [
        '000001_synthetic_train']
    frames = sorted(os.listdir(
        osp.join(root, 'images', 'val', '100002_synthetic_val')))
    assert frames == [f'{i:06d}.jpg' for i in range(5)]
    img = cv2.imread(osp.join(root, 'images', 'val', '100002_synthetic_val',
                              '000004.jpg'))
    assert img.shape == (240, 320, 3)
    assert summary['train']['frames'] == 5 and summary['val']['frames'] == 10
    assert summary['test']['frames'] == 5


def test_coco_file_mirrors_real_posetrack18(tiny_set):
    root, _, _ = tiny_set
    real = _load(osp.join(FIXTURE_DIR, 'test_posetrack18_val.json'))
    path = osp.join(root, 'annotations', 'posetrack18_val.json')
    ours = _load(path)
    coco = COCO(path)
    assert len(coco.getImgIds()) == 10
    assert list(ours) == list(real)
    assert ours['categories'] == real['categories']
    real_img_keys = set(real['images'][0])
    real_ann_keys = set(real['annotations'][0])
    for img in ours['images']:
        assert set(img) == real_img_keys
        m = re.fullmatch(r'images/val/(\d{6})_synthetic_val/(\d{6})\.jpg',
                         img['file_name'])
        assert m is not None and img['vid_id'] == m.group(1)
        assert img['id'] == img['frame_id'] == \
            10_000_000_000 + int(m.group(1)) * 10_000 + int(m.group(2))
        assert img['nframes'] == 5 and img['is_labeled'] is True
        assert osp.isfile(osp.join(root, img['file_name']))
    for ann in ours['annotations']:
        assert set(ann) == real_ann_keys | {'area'}
        assert ann['id'] == ann['image_id'] * 100 + ann['track_id']
        assert ann['category_id'] == 1 and ann['iscrowd'] is False
        kps = np.array(ann['keypoints']).reshape(17, 3)
        assert (kps[3:5] == 0).all()                       # ears unannotated
        assert set(kps[:, 2]) <= {0.0, 1.0}
        assert ann['num_keypoints'] == int((kps[:, 2] > 0).sum()) > 0
        x, y, w, h = ann['bbox']
        vis = kps[kps[:, 2] > 0]
        assert (vis[:, 0] >= x).all() and (vis[:, 0] <= x + w).all()
        assert (vis[:, 1] >= y).all() and (vis[:, 1] <= y + h).all()
        assert 0 <= x and x + w <= 320 and 0 <= y and y + h <= 240
        assert len(ann['bbox_head']) == 4 and ann['bbox_head'][2] > 0


def test_joint_flags_cover_every_val_joint(tiny_set):
    root, _, summary = tiny_set
    anns = _load(osp.join(root, 'annotations',
                          'posetrack18_val.json'))['annotations']
    flags = _load(osp.join(root, 'annotations',
                           'posetrack18_val_joint_flags.json'))
    assert flags['keypoint_names'][1:3] == ['head_bottom', 'head_top']
    assert sorted(flags['annotations']) == sorted(str(a['id']) for a in anns)
    for per_joint in flags['annotations'].values():
        assert len(per_joint) == 17
        for f in per_joint:
            assert set(f) == {'occluded', 'blurred'}
            assert isinstance(f['occluded'], bool)
            assert isinstance(f['blurred'], bool)
    blurred_frames = {int(k) for k, v in flags['blur_length'].items() if v}
    for a in anns:   # a blurred frame flags every annotated joint blurred
        kps = np.array(a['keypoints']).reshape(17, 3)
        blur = [f['blurred'] for f in flags['annotations'][str(a['id'])]]
        expect = a['image_id'] in blurred_frames
        assert all(b == expect for b, v in zip(blur, kps[:, 2]) if v > 0)
    labelled = clean = 0
    for a in anns:
        kps = np.array(a['keypoints']).reshape(17, 3)
        for v, f in zip(kps[:, 2], flags['annotations'][str(a['id'])]):
            labelled += v > 0
            clean += v > 0 and not (f['occluded'] or f['blurred'])
    assert (labelled, clean) == (summary['val']['joints'],
                                 summary['val']['clean'])
    assert 0 < clean < labelled


def test_detections_reference_val_images(tiny_set):
    root, _, _ = tiny_set
    images = _load(osp.join(root, 'annotations',
                            'posetrack18_val.json'))['images']
    ids = {img['id'] for img in images}
    dets = _load(osp.join(root, 'annotations',
                          'posetrack18_val_human_detections.json'))
    real = _load(osp.join(FIXTURE_DIR,
                          'test_posetrack18_human_detections.json'))
    assert len(dets) > 0
    for d in dets:
        assert set(d) == set(real[0])
        assert d['image_id'] in ids and d['category_id'] == 1
        assert 0.3 <= d['score'] <= 1.0
        x, y, w, h = d['bbox']
        assert w > 0 and h > 0 and x >= 0 and y >= 0
        assert x + w <= 320 + 1e-6 and y + h <= 240 + 1e-6


def test_per_video_ground_truth_like_official_files(tiny_set):
    root, _, _ = tiny_set
    real = _load(osp.join(FIXTURE_DIR, 'val', '003418_mpii_test.json'))
    coco = _load(osp.join(root, 'annotations', 'posetrack18_val.json'))
    for name in ('100001_synthetic_val', '100002_synthetic_val'):
        gt = _load(osp.join(root, 'annotations', 'val', f'{name}.json'))
        assert list(gt) == list(real)
        assert gt['categories'] == real['categories']
        assert [im['file_name'] for im in gt['images']] == [
            f'images/val/{name}/{i:06d}.jpg' for i in range(5)]
        assert all(set(im) == set(real['images'][0]) for im in gt['images'])
        ids = {im['id'] for im in gt['images']}
        assert gt['annotations'] == [
            a for a in coco['annotations'] if a['image_id'] in ids]


def test_loads_as_multi_frame_dataset(tiny_set):
    """The project's PoseTrackVideoDataset reads the set, with detections."""
    import fami_pose_mm.plugin  # noqa: F401  (registers the dataset)
    from mmpose.registry import DATASETS
    root, _, _ = tiny_set
    common = dict(type='PoseTrackVideoDataset',
                  ann_file='annotations/posetrack18_val.json', data_root=root,
                  data_prefix=dict(img=''), frame_offsets=(-1, 1),
                  pipeline=[], test_mode=True)
    gt = DATASETS.build(common)
    coco = _load(osp.join(root, 'annotations', 'posetrack18_val.json'))
    assert len(gt) == len(coco['annotations'])
    sample = gt[0]
    assert sample['img_path'].endswith('100001_synthetic_val/000000.jpg')
    assert all(osp.isfile(p) for p in sample['supporting_img_paths'])
    assert sample['supporting_img_paths'][1].endswith('000001.jpg')
    det = DATASETS.build(dict(
        common, bbox_file=osp.join(
            root, 'annotations', 'posetrack18_val_human_detections.json')))
    dets = _load(osp.join(root, 'annotations',
                          'posetrack18_val_human_detections.json'))
    assert len(det) == sum(d['score'] >= 0.2 for d in dets)


def test_splits_are_disjoint_and_test_is_complete(tiny_set):
    root, _, summary = tiny_set
    ann = osp.join(root, 'annotations')
    ids, frames = {}, {}
    for split in ('train', 'val', 'test'):
        coco = _load(osp.join(ann, f'posetrack18_{split}.json'))
        ids[split] = {img['id'] for img in coco['images']}
        frames[split] = {
            hashlib.md5(open(osp.join(root, img['file_name']),
                             'rb').read()).hexdigest()
            for img in coco['images']
        }
        assert all(f'/{split}/' in img['file_name'] for img in coco['images'])
    for a, b in (('train', 'val'), ('train', 'test'), ('val', 'test')):
        assert not ids[a] & ids[b], (a, b)
        assert not frames[a] & frames[b], (a, b)
    # test has its own per-video ground truth, detections and joint flags
    gt = _load(osp.join(ann, 'test', '200001_synthetic_test.json'))
    assert {img['id'] for img in gt['images']} == ids['test']
    dets = _load(osp.join(ann, 'posetrack18_test_human_detections.json'))
    assert dets and {d['image_id'] for d in dets} <= ids['test']
    flags = _load(osp.join(ann, 'posetrack18_test_joint_flags.json'))
    coco = _load(osp.join(ann, 'posetrack18_test.json'))
    assert set(flags['annotations']) == {
        str(a['id']) for a in coco['annotations']}
    assert summary['test']['instances'] == len(coco['annotations'])
