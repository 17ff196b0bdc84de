# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The one detection-file reader and keep rule, and that the dataset and
the inferencer get the same boxes from the same file."""
import json
import os.path as osp

import numpy as np
import pytest

from fami_pose_mm.fileio import Detection, filter_detections, read_detections

DATA = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'data')
PT18 = osp.join(DATA, 'posetrack18')
PT18_VAL = osp.join(PT18, 'annotations', 'test_posetrack18_val.json')
KEY_FRAME = 10128340000  # video 012834, frame 0 (000000.jpg), 1920x1080


def _write(tmp_path, content, name='dets.json') -> str:
    path = tmp_path / name
    path.write_text(json.dumps(content))
    return str(path)


def _mixed_records() -> list:
    """Boxes inside the frame: at the threshold 0.5, without category,
    non-person, below the threshold, just above it."""
    return [
        dict(image_id=KEY_FRAME, category_id=1, bbox=[100, 50, 200, 400],
             score=0.5),
        dict(image_id=KEY_FRAME, bbox=[400.5, 60, 150, 300.25], score=0.75),
        dict(image_id=KEY_FRAME, category_id=2, bbox=[10, 10, 50, 50],
             score=0.99),
        dict(image_id=KEY_FRAME, category_id=1, bbox=[700, 80, 90, 200],
             score=0.4999),
        dict(image_id=KEY_FRAME, category_id=1, bbox=[900, 90, 120, 260],
             score=0.5001),
    ]


def test_read_and_filter(tmp_path):
    dets = read_detections(_write(tmp_path, _mixed_records()))
    assert [d.record for d in dets] == [0, 1, 2, 3, 4]
    assert dets[1] == Detection(record=1, bbox=(400.5, 60.0, 150.0, 300.25),
                                score=0.75, category_id=1,
                                image_id=KEY_FRAME)
    assert dets[1].xyxy == [400.5, 60.0, 550.5, 360.25]
    kept, dropped = filter_detections(dets, 0.5)
    assert [d.record for d in kept] == [0, 1, 4]
    assert dropped == {'non-person detection': 1,
                       'detection score < thr': 1}


def test_coco_like_dict_names_its_images(tmp_path):
    path = _write(tmp_path, dict(
        images=[dict(id=3, file_name='v/000003.jpg')],
        annotations=[dict(image_id=3, bbox=[0, 0, 1, 1], score=1),
                     dict(image_id=4, bbox=[0, 0, 1, 1], score=1),
                     dict(img_path='w/000009.jpg', bbox=[0, 0, 1, 1],
                          score=1)]))
    assert [d.file_name for d in read_detections(path)] == [
        'v/000003.jpg', None, 'w/000009.jpg']


@pytest.mark.parametrize('record, match', [
    (dict(bbox=[0, 0, 1, 1], frame_index=0), 'needs bbox'),
    (dict(bbox=[0, 0, 1], score=1.0), 'needs bbox'),
    (dict(bbox=[0, 0, 1, '1'], score=1.0), 'needs bbox'),
    (dict(bbox=[0, 0, 1, 1], score=True), 'needs bbox'),
    (dict(bbox=[0, 0, 1, 1], score='0.9'), 'needs bbox'),
    (dict(bbox=[0, 0, 1, 1], score=1.0, frame_index=1.5), 'has an image_id'),
    ([0, 0, 1, 1], 'needs bbox'),
    # accepted before, and NaN reached the output JSON
    (dict(bbox=[0, 0, float('nan'), 1], score=1.0), r'has a non-finite w'),
    (dict(bbox=[0, 0, 1, 1], score=float('inf')), 'has a non-finite score'),
    (dict(bbox=[0, 0, -5, 10], score=1.0), 'has a box of negative width'),
    (dict(bbox=[0, 0, 1, 1], score=1.0, frame_index=-1), 'has an image_id'),
    (dict(bbox=[0, 0, 1, 1], score=1.0, category_id='1'),
     'has a category_id that is not an int'),
    # crashed in os.path.basename without naming the detection
    (dict(bbox=[0, 0, 1, 1], score=1.0, file_name=7),
     'has a file_name that is not a string'),
])
def test_bad_records_name_their_position(tmp_path, record, match):
    path = _write(tmp_path, [dict(bbox=[0, 0, 1, 1], score=1.0), record])
    with pytest.raises(ValueError, match=f'dets.json: record 1 {match}'):
        read_detections(path)


def test_nan_written_by_json_is_refused(tmp_path):
    (tmp_path / 'nan.json').write_text(
        '[{"bbox": [1, 2, 3, 4], "score": NaN}]')
    with pytest.raises(ValueError, match=r'nan.json: record 0 has a '
                       r'non-finite score \(NaN or Infinity\)'):
        read_detections(str(tmp_path / 'nan.json'))


def test_bad_images_of_the_dict_form_are_named(tmp_path):
    # crashed with "unhashable type: 'list'" before
    path = _write(tmp_path, dict(images=[dict(id=[1], file_name='a.jpg')],
                                 annotations=[]))
    with pytest.raises(ValueError, match=r'dets.json: image 0 needs an int '
                       'or str id'):
        read_detections(path)


def test_zero_area_boxes_are_dropped_and_counted(tmp_path):
    dets = read_detections(_write(tmp_path, [
        dict(bbox=[5, 5, 0, 10], score=0.9),
        dict(bbox=[5, 5, 10, 0], score=0.9),
        dict(bbox=[5, 5, 10, 10], score=0.9)]))
    kept, dropped = filter_detections(dets, 0.5)
    assert [d.record for d in kept] == [2]
    assert dropped == {'zero-area box': 2}


def test_bad_files(tmp_path):
    with pytest.raises(FileNotFoundError, match='detection file not found'):
        read_detections(str(tmp_path / 'none.json'))
    (tmp_path / 'empty.json').write_text(' ')
    with pytest.raises(ValueError, match='empty.json is empty'):
        read_detections(str(tmp_path / 'empty.json'))
    with pytest.raises(ValueError, match='must hold a JSON list'):
        read_detections(_write(tmp_path, dict(images=[])))


def _dataset_boxes(path: str, thr: float) -> np.ndarray:
    """(N, 5) boxes the dataset makes of the file (all in one frame)."""
    from fami_pose_mm.datasets import PoseTrackVideoDataset
    ds = PoseTrackVideoDataset(ann_file=PT18_VAL, bbox_file=path,
                               data_root=PT18, test_mode=True,
                               det_score_thr=thr)
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    assert all(info['img_id'] == KEY_FRAME for info in infos)
    return np.array([[*info['bbox'][0], info['bbox_score'][0]]
                     for info in infos], dtype=np.float32).reshape(-1, 5)


def _inferencer_boxes(path: str, thr: float) -> np.ndarray:
    """(N, 5) boxes the inferencer takes for frame 0 of video 012834."""
    from fami_pose_mm.apis import BBoxFile
    return BBoxFile(path, score_thr=thr, video_number=12834)(0, '000000.jpg')


@pytest.mark.parametrize('form', ['list', 'coco_dict'])
def test_dataset_and_inferencer_read_the_same_boxes(tmp_path, form):
    # Before one reader, the inferencer dropped the box at the threshold
    # (score > thr) that the dataset kept (score >= thr).
    records = _mixed_records()
    content = records if form == 'list' else dict(
        images=[dict(id=KEY_FRAME,
                     file_name='images/val/012834_mpii_test/000000.jpg')],
        annotations=records)
    path = _write(tmp_path, content)
    from_dataset = _dataset_boxes(path, 0.5)
    np.testing.assert_array_equal(from_dataset, _inferencer_boxes(path, 0.5))
    np.testing.assert_allclose(
        from_dataset,
        [[100, 50, 300, 450, 0.5], [400.5, 60, 550.5, 360.25, 0.75],
         [900, 90, 1020, 350, 0.5001]], rtol=1e-6)


def test_dataset_and_inferencer_refuse_a_box_without_score(tmp_path):
    # Before, the inferencer took it as a box of score 1.
    records = _mixed_records()
    del records[1]['score']
    path = _write(tmp_path, records)
    with pytest.raises(ValueError) as from_dataset:
        _dataset_boxes(path, 0.5)
    with pytest.raises(ValueError) as from_inferencer:
        _inferencer_boxes(path, 0.5)
    assert str(from_dataset.value) == str(from_inferencer.value)
    assert 'dets.json: record 1 needs bbox [x, y, w, h] and score' in str(
        from_dataset.value)


def test_track_ids(tmp_path):
    records = _mixed_records()
    records[1]['track_id'] = 7
    dets = read_detections(_write(tmp_path, records))
    assert [d.track_id for d in dets] == [None, 7, None, None, None]
    for bad in (-1, 1.5, '2', True):
        records[1]['track_id'] = bad
        with pytest.raises(ValueError, match='record 1 has a track_id that '
                           'is not an int >= 0'):
            read_detections(_write(tmp_path, records))
