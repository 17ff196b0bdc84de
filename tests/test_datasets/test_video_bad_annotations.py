# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Bad annotation files and boxes: clear errors or counted skips."""
import pytest
from video_data_helpers import (PT18_CLIP, PT18_DET, PT18_VAL, load_json,
                                write_json)

from fami_pose_mm.datasets import PoseTrackVideoDataset


def _build(path, **kw):
    return PoseTrackVideoDataset(ann_file=str(path), test_mode=True, **kw)


def test_empty_file(tmp_path):
    path = tmp_path / 'empty.json'
    path.write_text('')
    with pytest.raises(ValueError, match='empty.json is empty'):
        _build(path)


def test_malformed_json(tmp_path):
    path = tmp_path / 'broken.json'
    path.write_text('{"images": [')
    with pytest.raises(ValueError, match='broken.json is not valid JSON'):
        _build(path)


def test_missing_lists_and_fields(tmp_path):
    with pytest.raises(ValueError, match="'images' and 'annotations'"):
        _build(write_json(tmp_path / 'a.json', {'images': []}))
    with pytest.raises(ValueError, match='has no images'):
        _build(write_json(tmp_path / 'b.json',
                          {'images': [], 'annotations': []}))
    ann = load_json(PT18_CLIP)
    del ann['images'][1]['nframes']
    with pytest.raises(ValueError, match=r"10000010002.*\['nframes'\]"):
        _build(write_json(tmp_path / 'c.json', ann))
    ann = load_json(PT18_CLIP)
    ann['annotations'][0]['image_id'] = 123
    with pytest.raises(ValueError, match='annotation 1000001000000 refers '
                       'to unknown image_id 123'):
        _build(write_json(tmp_path / 'd.json', ann))


def test_missing_file():
    with pytest.raises(FileNotFoundError, match='no_such.json'):
        _build('no_such.json')


def test_wrong_keypoint_count(tmp_path):
    ann = load_json(PT18_CLIP)
    ann['annotations'][2]['keypoints'] = ann['annotations'][2][
        'keypoints'][:45]
    with pytest.raises(ValueError, match=r'annotation 1000001000400 .*'
                       r'has 45 keypoint values, expected 17 x 3 = 51'):
        _build(write_json(tmp_path / 'k.json', ann))


def test_zero_area_boxes_are_skipped_and_counted(tmp_path):
    ann = load_json(PT18_CLIP)
    ann['annotations'][0]['bbox'] = [100, 100, 0, 50]  # zero width
    ann['annotations'][1]['bbox'] = [1500, 100, 50, 50]  # right of image
    ds = _build(write_json(tmp_path / 'z.json', ann))
    assert len(ds) == 1
    assert ds.skip_counts['zero-area box'] == 2


def test_bad_detection_files(tmp_path):
    with pytest.raises(ValueError, match='must hold a JSON list'):
        _build(PT18_VAL, bbox_file=write_json(tmp_path / 'd.json', {}))
    dets = load_json(PT18_DET)[:3]
    del dets[1]['score']
    with pytest.raises(ValueError, match='record 1 needs bbox'):
        _build(PT18_VAL, bbox_file=write_json(tmp_path / 'e.json', dets))
    dets = load_json(PT18_DET)[:3]
    dets[2]['image_id'] = 42
    with pytest.raises(ValueError, match='record 2 refers to image 42'):
        _build(PT18_VAL, bbox_file=write_json(tmp_path / 'f.json', dets))
    dets = load_json(PT18_DET)[:2]
    dets[0]['bbox'] = [10, 10, 0, 0]
    ds = _build(PT18_VAL, bbox_file=write_json(tmp_path / 'g.json', dets))
    assert len(ds) == 1 and ds.skip_counts['zero-area box'] == 1
