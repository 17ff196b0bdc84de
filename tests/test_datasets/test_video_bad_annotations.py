# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Bad annotation files and boxes: clear errors or counted skips."""
import pytest
from video_data_helpers import (JHMDB_ANN, PT18_CLIP, PT18_DET, PT18_VAL,
                                load_json, write_json)

from fami_pose_mm.datasets import JhmdbVideoDataset, PoseTrackVideoDataset


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
    with pytest.raises(ValueError, match=r"annotation 1000001000400 .*"
                       r"'keypoints' has 45 values, expected 17 x 3 = 51"):
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


KPTS = [440, 304, 1] * 17
# (field, value written into annotation 1000001000200, message after
# "k.json: annotation 1000001000200 (image 10000010002): ")
BAD_VALUES = [
    ('keypoints', 'x' * 51, "'keypoints' must be a list of 17 x 3 = 51 "
     'numbers, got str'),
    ('keypoints', 7, "'keypoints' must be a list of 17 x 3 = 51 numbers, "
     'got int'),
    ('keypoints', KPTS[:4] + ['x'] + KPTS[5:], r"keypoints\[4\] is 'x', not a "
     'finite number'),
    ('keypoints', KPTS[:4] + ['304'] + KPTS[5:], r"keypoints\[4\] is '304', "
     'not a finite number'),
    ('keypoints', KPTS[:3] + [None] + KPTS[4:], r'keypoints\[3\] is None'),
    ('keypoints', KPTS[:3] + [True] + KPTS[4:], r'keypoints\[3\] is True'),
    ('keypoints', KPTS[:6] + [float('nan')] + KPTS[7:], r'keypoints\[6\] is '
     'nan, not a finite number'),
    ('keypoints', KPTS[:6] + [float('inf')] + KPTS[7:], r'keypoints\[6\] is '
     'inf'),
    ('keypoints', KPTS[:5] + [-1] + KPTS[6:], r'keypoints\[5\] \(visibility '
     r'of joint 1\) is -1, expected >= 0'),
    ('bbox', '365,280,185,310', "'bbox' must be a list of 4 numbers "
     r'\[x, y, w, h\], got str'),
    ('bbox', [365, 280, 185], "'bbox' has 3 values, expected 4"),
    ('bbox', [365, 280, 185, 310, 1], "'bbox' has 5 values, expected 4"),
    ('bbox', [365, 280, 'wide', 310], r"bbox\[2\] is 'wide', not a finite "
     'number'),
    ('bbox', [365, float('nan'), 185, 310], r'bbox\[1\] is nan'),
    ('bbox', [365, 280, -185, 310], r"'bbox' has a negative width or height"
     r': \[365, 280, -185, 310\]'),
    ('bbox', [365, 280, 185, -1], "'bbox' has a negative width or height"),
    ('area', 'big', r"'area' is 'big', not a finite number >= 0"),
    ('area', -5.0, r"'area' is -5.0, not a finite number >= 0"),
]


@pytest.mark.parametrize('field, value, match', BAD_VALUES)
def test_malformed_person_values_name_file_annotation_and_field(
        tmp_path, field, value, match):
    ann = load_json(PT18_CLIP)
    ann['annotations'][1][field] = value
    with pytest.raises(ValueError, match=r'k\.json: annotation 1000001000200 '
                       r'\(image 10000010002\): .*' + match):
        _build(write_json(tmp_path / 'k.json', ann))


def test_malformed_jhmdb_keypoints_name_file_annotation_and_field(tmp_path):
    ann = load_json(JHMDB_ANN)
    ann['annotations'][0]['keypoints'][3] = '101.4'
    path = write_json(tmp_path / 'j.json', ann)
    with pytest.raises(ValueError, match=r'j\.json: annotation 1000002280001 '
                       r".*keypoints\[3\] is '101.4', not a finite number"):
        JhmdbVideoDataset(ann_file=path, test_mode=True)


@pytest.mark.parametrize('field, value, match', [
    ('nframes', 'many', "'nframes' is 'many', expected an integer >= 1"),
    ('nframes', 0, "'nframes' is 0, expected an integer >= 1"),
    ('nframes', 4.5, "'nframes' is 4.5"),
    ('width', '1280', "'width' is '1280', expected an integer >= 1"),
    ('height', None, "'height' is None"),
])
def test_malformed_image_values_name_file_image_and_field(
        tmp_path, field, value, match):
    ann = load_json(PT18_CLIP)
    ann['images'][1][field] = value
    with pytest.raises(ValueError, match=r'i\.json: image 10000010002: ' +
                       match):
        _build(write_json(tmp_path / 'i.json', ann))


def test_records_that_are_not_objects_or_lack_an_id(tmp_path):
    ann = load_json(PT18_CLIP)
    ann['images'][2] = 'videos/000001_mpiinew_test/000004.jpg'
    with pytest.raises(ValueError, match=r'o\.json: images\[2\] is '
                       "'videos/000001_mpiinew_test/000004.jpg', not an "
                       'object'):
        _build(write_json(tmp_path / 'o.json', ann))
    ann = load_json(PT18_CLIP)
    ann['annotations'][1] = [1, 2]
    with pytest.raises(ValueError, match=r'o\.json: annotations\[1\] is '
                       r'\[1, 2\], not an object'):
        _build(write_json(tmp_path / 'o.json', ann))
    ann = load_json(PT18_CLIP)
    del ann['annotations'][1]['id']
    with pytest.raises(ValueError, match=r"o\.json: annotations\[1\] "
                       r"\(image 10000010002\) has no 'id'"):
        _build(write_json(tmp_path / 'o.json', ann))


def test_zero_size_box_in_the_file_is_skipped_and_counted(tmp_path):
    """The documented fallback (as mmpose's COCO loaders): a box of zero
    width or height is not an error, it is skipped and counted."""
    ann = load_json(PT18_CLIP)
    ann['annotations'][1]['bbox'] = [365, 280, 185, 0]
    ds = _build(write_json(tmp_path / 'z.json', ann))
    assert len(ds) == 2 and ds.skip_counts['zero-area box'] == 1


def test_crowd_and_unlabelled_people_are_skipped_and_counted(tmp_path):
    ann = load_json(PT18_CLIP)
    ann['annotations'].append(dict(ann['annotations'][0], id=7))
    ann['annotations'][0]['iscrowd'] = 1
    ann['annotations'][1]['keypoints'] = []
    ann['annotations'][2]['keypoints'] = [0, 0, 0] * 17
    ds = _build(write_json(tmp_path / 'c.json', ann))
    assert [ds.get_data_info(i)['id'] for i in range(len(ds))] == [7]
    assert ds.skip_counts == {'crowd': 1, 'no box or keypoints': 1,
                              'no labelled keypoint': 1}


def test_no_sample_left_names_file_and_skip_counts(tmp_path):
    ann = load_json(PT18_CLIP)
    for a in ann['annotations']:
        a['iscrowd'] = 1
    with pytest.raises(ValueError, match=r'PoseTrackVideoDataset: no sample '
                       r'in .*c\.json \(skipped crowd: 3\)'):
        _build(write_json(tmp_path / 'c.json', ann))
    dets = load_json(PT18_DET)[:3]
    with pytest.raises(ValueError, match=r'no sample in .*d\.json \(skipped '
                       r'detection score < thr: 3\)'):
        _build(PT18_VAL, bbox_file=write_json(tmp_path / 'd.json', dets),
               det_score_thr=1.0)


def test_key_frame_name_without_frame_number(tmp_path):
    ann = load_json(PT18_CLIP)
    ann['images'][1]['file_name'] = 'videos/000001_mpiinew_test/frame_2.jpg'
    with pytest.raises(ValueError, match=r"n\.json: image 10000010002: frame file name "
                       r"'frame_2\.jpg' does not end in a frame number"):
        _build(write_json(tmp_path / 'n.json', ann))
