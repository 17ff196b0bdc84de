# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""PoseTrack21VideoDataset on PoseTrack21-format fixtures built from the
real PoseTrack18 ones (tests/data/posetrack21/make_posetrack21_fixtures.py):
person ids, box-only persons, ignore regions, 'own' crops."""
import os.path as osp

import numpy as np
import pytest
from video_data_helpers import DATA, PT18, PT18_VAL, load_json, write_json

from fami_pose_mm.datasets import (PoseTrack21VideoDataset,
                                   PoseTrackVideoDataset)

PT21_VAL = osp.join(DATA, 'posetrack21', 'annotations',
                    'test_posetrack21_val.json')


def _pt21(ann_file=PT21_VAL, **kw):
    return PoseTrack21VideoDataset(ann_file=ann_file, data_root=PT18,
                                   test_mode=True, **kw)


def test_people_with_keypoints_are_the_samples():
    ds = _pt21()
    pt18 = PoseTrackVideoDataset(ann_file=PT18_VAL, data_root=PT18,
                                 test_mode=True)
    # the 14 real people, not the 3 box-only persons (one per frame)
    assert len(ds) == len(pt18) == 14
    assert ds.skip_counts['box-only person'] == 3
    ours = {ds.get_data_info(i)['id']: ds.get_data_info(i) for i in range(14)}
    theirs = {pt18.get_data_info(i)['id']: pt18.get_data_info(i)
              for i in range(14)}
    assert set(ours) == set(theirs)
    for ann_id, info in ours.items():
        np.testing.assert_array_equal(info['keypoints'],
                                      theirs[ann_id]['keypoints'])
        np.testing.assert_array_equal(info['bbox'], theirs[ann_id]['bbox'])


def test_box_only_persons_are_boxes_for_own_crops(tmp_path):
    """A person who is box-only in the supporting frame keeps that box."""
    data = load_json(PT21_VAL)
    video = [i for i in data['images'] if '012834' in i['file_name']][0]
    second = dict(video, id=video['id'] + 1, frame_id=video['id'] + 1,
                  file_name=video['file_name'].replace('000000', '000001'))
    data['images'].append(second)
    person = next(a for a in data['annotations']
                  if a['image_id'] == video['id'] and a['num_keypoints'])
    box = [person['bbox'][0] + 30, person['bbox'][1], person['bbox'][2],
           person['bbox'][3]]
    data['annotations'].append(
        dict(person, id=1, image_id=second['id'], bbox=box,
             keypoints=[0] * 51, num_keypoints=0))
    ds = _pt21(write_json(tmp_path / 'pt21.json', data),
               frame_offsets=(1, ), crop_mode='own', missing_frame='nearest')
    info = next(ds.get_data_info(i) for i in range(len(ds))
                if ds.get_data_info(i)['id'] == person['id'])
    x, y, w, h = box
    np.testing.assert_allclose(info['frame_bboxes'][1], [x, y, x + w, y + h])
    assert ds.skip_counts['box-only person'] == 4


def test_unlabelled_frames_give_no_sample(tmp_path):
    data = load_json(PT21_VAL)
    data['images'][0]['is_labeled'] = False
    ds = _pt21(write_json(tmp_path / 'pt21.json', data))
    assert ds.skip_counts['unlabelled frame'] > 0
    assert len(ds) == 14 - sum(
        1 for a in data['annotations']
        if a['image_id'] == data['images'][0]['id'] and a['num_keypoints'])


def test_posetrack18_file_and_bad_ignore_polygon_are_refused(tmp_path):
    with pytest.raises(ValueError, match=r'test_posetrack18_val.json: '
                       r'annotation \d+ \(annotations\[0\].*no person_id'):
        _pt21(PT18_VAL)
    data = load_json(PT21_VAL)
    image = data['images'][1]
    image['ignore_regions_x'][0] = image['ignore_regions_x'][0][:2]
    image['ignore_regions_y'][0] = image['ignore_regions_y'][0][:2]
    with pytest.raises(ValueError, match=f"image {image['id']}: "
                       r'ignore_regions_x\[0\] has 2 points'):
        _pt21(write_json(tmp_path / 'pt21.json', data))
