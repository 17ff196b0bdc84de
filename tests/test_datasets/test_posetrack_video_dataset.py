# Copyright (c) fami-pose-mm contributors. All rights reserved.
import os.path as osp

import numpy as np
import pytest
from video_data_helpers import (PT18, PT18_CLIP, PT18_DET, PT18_VAL,
                                load_json, write_json)

from fami_pose_mm.datasets import PoseTrackVideoDataset


def _gt(**kw):
    return PoseTrackVideoDataset(
        ann_file=PT18_VAL, data_root=PT18, test_mode=True, **kw)


def test_gt_samples_and_window_paths():
    ds = _gt()
    assert len(ds) == 14  # all 14 real people have keypoints
    info = ds.get_data_info(0)
    assert info['id'] == 1012834000000
    assert isinstance(info['img_path'], str)
    assert info['img_path'] == osp.join(
        PT18, 'images/val/012834_mpii_test/000000.jpg')
    # key frame 0 of 140: -2 and -1 fall before the video -> frame 0
    assert info['supporting_frame_indices'] == [0, 0, 1, 2]
    assert [osp.basename(p) for p in info['supporting_img_paths']] == [
        '000000.jpg', '000000.jpg', '000001.jpg', '000002.jpg']
    assert info['frame_offsets'] == (-2, -1, 1, 2)
    assert info['nframes'] == 140 and info['vid_id'] == '012834'
    assert info['keypoints'].shape == (1, 17, 2)
    np.testing.assert_allclose(info['keypoints'][0, 0], [401, 530])
    assert info['num_keypoints'] == 11


def test_img_id_is_the_annotation_image_id_gt_and_det():
    """mmpose issue 3085: ids must never be renumbered."""
    ann = load_json(PT18_VAL)
    ann_img_of = {a['id']: a['image_id'] for a in ann['annotations']}
    ds = _gt()
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        assert info['img_id'] == ann_img_of[info['id']]
    det = PoseTrackVideoDataset(
        ann_file=PT18_VAL, bbox_file=PT18_DET, data_root=PT18,
        test_mode=True)
    dets = [d for d in load_json(PT18_DET) if d['score'] >= 0.2]
    assert len(det) == len(dets) == 186
    ids = {img['id'] for img in ann['images']}
    for i in (0, 50, 185):
        info = det.get_data_info(i)
        assert info['img_id'] == dets[i]['image_id'] and info['img_id'] in ids
        np.testing.assert_allclose(info['bbox_score'], [dets[i]['score']],
                                   rtol=1e-6)


def test_det_score_threshold_and_box_format():
    ds = PoseTrackVideoDataset(
        ann_file=PT18_VAL, bbox_file=PT18_DET, data_root=PT18,
        test_mode=True, det_score_thr=0.9)
    dets = [d for d in load_json(PT18_DET) if d['score'] >= 0.9]
    assert len(ds) == len(dets)
    assert ds.skip_counts['detection score < thr'] == 278 - len(dets)
    x, y, w, h = dets[0]['bbox']
    np.testing.assert_allclose(ds.get_data_info(0)['bbox'][0],
                               [x, y, min(x + w, 1919), min(y + h, 1079)],
                               rtol=1e-5)


def test_boxes_partly_outside_are_clipped():
    ds = _gt()
    by_id = {ds.get_data_info(i)['id']: ds.get_data_info(i)['bbox'][0]
             for i in range(len(ds))}
    # real boxes: y=-54.6 (above the image), y+h=1107 (below a 1080 image)
    np.testing.assert_allclose(by_id[1012834000010],
                               [364.7, 0, 364.7 + 124.1, -54.6 + 257.3],
                               atol=0.1)
    np.testing.assert_allclose(by_id[1003418000000],
                               [214.25, 15.0, 1572.75, 1079], atol=1e-3)


def test_posetrack17_dcpose_layout_is_one_indexed(tmp_path):
    ann = load_json(PT18_CLIP)
    for img in ann['images']:
        idx = int(osp.basename(img['file_name'])[:6]) + 1
        img['file_name'] = f'images_renamed/bonn/00001_mpii/{idx:08d}.jpg'
    ds = PoseTrackVideoDataset(
        ann_file=write_json(tmp_path / 'pt17.json', ann),
        frame_name_template='{:08d}.jpg', frame_index_base=1,
        test_mode=True)
    first, last = ds.get_data_info(0), ds.get_data_info(2)
    assert first['supporting_frame_indices'] == [1, 1, 2, 3]
    assert last['supporting_frame_indices'] == [3, 4, 5, 5]
    assert osp.basename(last['supporting_img_paths'][3]) == '00000005.jpg'


def test_sequence_shorter_than_window_and_custom_offsets(tmp_path):
    ann = load_json(PT18_CLIP)
    for img in ann['images']:
        img['nframes'] = 1
        img['file_name'] = 'videos/000001_mpiinew_test/000000.jpg'
    ds = PoseTrackVideoDataset(
        ann_file=write_json(tmp_path / 'one.json', ann),
        frame_offsets=(-3, -1, 1, 3), test_mode=True)
    info = ds.get_data_info(0)
    assert info['supporting_frame_indices'] == [0, 0, 0, 0]
    assert set(info['supporting_img_paths']) == {info['img_path']}
    ds2 = PoseTrackVideoDataset(
        ann_file=PT18_CLIP, frame_offsets=(-1, 1), test_mode=True)
    assert ds2.get_data_info(1)['supporting_frame_indices'] == [1, 3]


def test_inferred_template_keeps_digits():
    ds = PoseTrackVideoDataset(
        ann_file=PT18_CLIP, frame_name_template=None, test_mode=True)
    assert osp.basename(
        ds.get_data_info(1)['supporting_img_paths'][0]) == '000000.jpg'


@pytest.mark.parametrize('kwargs, match', [
    (dict(frame_offsets=(-1, 0, 1)), 'frame_offsets'),
    (dict(frame_offsets=(1, 1)), 'frame_offsets'),
    (dict(frame_offsets=(-1.5, 1)), r'got \(-1.5, 1\): -1.5 is not an int'),
    (dict(missing_frame='skip'), 'missing_frame'),
    (dict(frame_index_base=2), 'frame_index_base'),
    (dict(det_score_thr=1.5), 'det_score_thr'),
    (dict(data_mode='bottomup'), 'topdown'),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PoseTrackVideoDataset(ann_file=PT18_CLIP, test_mode=True, **kwargs)


def test_track_ids_are_passed_on_for_tracking(tmp_path):
    # ground-truth boxes: the annotation's track_id
    ds = _gt()
    tracks = {a['id']: a['track_id'] for a in load_json(PT18_VAL)[
        'annotations']}
    assert [ds.get_data_info(i)['track_id'] for i in range(len(ds))] == [
        tracks[ds.get_data_info(i)['id']] for i in range(len(ds))]
    # detections: a track_id where the file has one, none elsewhere
    dets = [d for d in load_json(PT18_DET) if d['score'] >= 0.9]
    dets[0]['track_id'] = 42
    path = write_json(tmp_path / 'dets.json', dets)
    det_ds = PoseTrackVideoDataset(
        ann_file=PT18_VAL, bbox_file=path, data_root=PT18, test_mode=True,
        det_score_thr=0.9)
    assert det_ds.get_data_info(0)['track_id'] == 42
    assert 'track_id' not in det_ds.get_data_info(1)
