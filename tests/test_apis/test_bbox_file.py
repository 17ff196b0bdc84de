# Copyright (c) fami-pose-mm contributors. All rights reserved.
import json

import numpy as np
import pytest

from fami_pose_mm.apis import BBoxFile


def _write(tmp_path, content):
    path = tmp_path / 'dets.json'
    path.write_text(json.dumps(content))
    return str(path)


def test_frame_keys(tmp_path):
    path = _write(tmp_path, [
        dict(frame_index=0, bbox=[1, 2, 3, 4], score=0.9),
        dict(file_name='images/val/v/000001.jpg', bbox=[0, 0, 10, 20],
             score=1.0),
        dict(image_id=10000010002, bbox=[5, 5, 5, 5], score=0.5,
             category_id=1),
        dict(image_id=10000010002, bbox=[5, 5, 5, 5], score=0.1),
        dict(image_id=10000010002, bbox=[5, 5, 5, 5], score=0.9,
             category_id=2),
    ])
    boxes = BBoxFile(path, score_thr=0.2)
    np.testing.assert_allclose(boxes(0, 'x.jpg'), [[1, 2, 4, 6, 0.9]])
    np.testing.assert_allclose(boxes(1, '000001.jpg'), [[0, 0, 10, 20, 1]])
    np.testing.assert_allclose(boxes(2, '000002.jpg'), [[5, 5, 10, 10, 0.5]])
    assert boxes(3, '000003.jpg').shape == (0, 5)


def test_score_rule_threshold_is_the_lowest_kept_score(tmp_path):
    path = _write(tmp_path, [
        dict(frame_index=0, bbox=[0, 0, 2, 2], score=0.3),
        dict(frame_index=0, bbox=[1, 1, 2, 2], score=0.2999),
    ])
    np.testing.assert_allclose(BBoxFile(path, score_thr=0.3)(0, 'a.jpg'),
                               [[0, 0, 2, 2, 0.3]])
    assert len(BBoxFile(path, score_thr=0.0)(0, 'a.jpg')) == 2


def test_coco_like_dict(tmp_path):
    path = _write(tmp_path, dict(
        images=[dict(id=7, file_name='v/000004.jpg')],
        annotations=[dict(image_id=7, bbox=[0, 0, 2, 2], score=1.0)]))
    assert BBoxFile(path)(4, '000004.jpg').tolist() == [[0, 0, 2, 2, 1]]


def test_bad_files(tmp_path):
    with pytest.raises(FileNotFoundError, match='missing.json'):
        BBoxFile(str(tmp_path / 'missing.json'))
    with pytest.raises(ValueError, match='record 1 needs bbox'):
        BBoxFile(_write(tmp_path, [
            dict(frame_index=0, bbox=[0, 0, 1, 1], score=1.0),
            dict(frame_index=0, score=1.0)]))
    with pytest.raises(ValueError, match=r'record 0 needs bbox .* and '
                       r'score .*\[0, 0, 1, 1\]'):  # a score is required
        BBoxFile(_write(tmp_path, [dict(frame_index=0, bbox=[0, 0, 1, 1])]))
    with pytest.raises(ValueError, match='record 0 has no frame key'):
        BBoxFile(_write(tmp_path, [dict(bbox=[0, 0, 1, 1], score=1.0)]))
    (tmp_path / 'bad.json').write_text('{')
    with pytest.raises(ValueError, match='not valid JSON'):
        BBoxFile(str(tmp_path / 'bad.json'))


def test_posetrack_ids_of_several_videos_need_a_video_number(tmp_path):
    dets = [
        dict(image_id=10000000000 + 1 * 10000 + 3, bbox=[0, 0, 2, 2],
             score=1.0),
        dict(image_id=10000000000 + 2 * 10000 + 3, bbox=[5, 5, 2, 2],
             score=1.0),
    ]
    path = _write(tmp_path, dets)
    with pytest.raises(ValueError, match='2 videos.*--bboxes-video'):
        BBoxFile(path)
    assert BBoxFile(path, video_number=2)(3, '000003.jpg').tolist() == \
        [[5, 5, 7, 7, 1]]
    assert BBoxFile(path, video_number=1)(3, '000003.jpg').tolist() == \
        [[0, 0, 2, 2, 1]]


def test_zero_size_boxes_are_dropped_with_a_warning(tmp_path):
    # Before, a zero-width box went to the model as a person.
    path = _write(tmp_path, [dict(frame_index=0, bbox=[1, 2, 0, 4],
                                  score=0.9),
                             dict(frame_index=0, bbox=[1, 2, 3, 4],
                                  score=0.9)])
    with pytest.warns(UserWarning, match=r'dets.json: 1 boxes of zero width'):
        boxes = BBoxFile(path)
    np.testing.assert_allclose(boxes(0, 'a.jpg'), [[1, 2, 4, 6, 0.9]])


def test_boxes_outside_the_frame_are_dropped_and_counted(tmp_path):
    path = _write(tmp_path, [
        dict(frame_index=0, bbox=[90, 10, 20, 20], score=0.9),  # partly in
        dict(frame_index=0, bbox=[96, 10, 20, 20], score=0.8),  # right of it
        dict(frame_index=1, bbox=[-30, -30, 30, 30], score=0.7),  # above-left
    ])
    boxes = BBoxFile(path)
    with pytest.warns(UserWarning, match=r'dets.json: record 1 \(frame 0\) '
                      r'box .* lies outside the 96x64 frame'):
        np.testing.assert_allclose(boxes(0, 'a.jpg', (96, 64)),
                                   [[90, 10, 110, 30, 0.9]])
    assert boxes(1, 'b.jpg', (96, 64)).shape == (0, 5)
    assert boxes.num_outside == 2
    assert len(boxes(1, 'b.jpg')) == 1  # without a size, no check


def test_a_file_for_other_frames_is_refused_before_the_first_frame(
        tmp_path):
    names = [f'{t:06d}.jpg' for t in range(5)]
    path = _write(tmp_path, [
        dict(frame_index=100, bbox=[0, 0, 2, 2], score=1.0),
        dict(file_name='other/x.jpg', bbox=[0, 0, 2, 2], score=1.0)])
    with pytest.raises(ValueError, match=r'dets.json: none of its 2 person '
                       r'boxes is on a frame of clip \(5 frames, indices '
                       r'0-4, .*record 0 is on frame_index 100'):
        BBoxFile(path).check_frames(names, 'clip')
    path = _write(tmp_path, [
        dict(frame_index=1, bbox=[0, 0, 2, 2], score=1.0),
        dict(file_name='other/x.jpg', bbox=[0, 0, 2, 2], score=1.0)])
    with pytest.warns(UserWarning, match=r"1 of 2 person boxes are on no "
                      r"frame of clip .* record 1 is on file name 'x.jpg'"):
        BBoxFile(path).check_frames(names, 'clip')


def test_no_box_of_the_chosen_video(tmp_path):
    path = _write(tmp_path, [dict(image_id=10000010003, bbox=[0, 0, 2, 2],
                                  score=1.0)])
    with pytest.raises(ValueError, match=r'dets.json: no detection of video '
                       r'7; .* videos \[1\]'):
        BBoxFile(path, video_number=7)
    with pytest.warns(UserWarning, match=r'no person box kept of 1 '
                      r"detections \(dropped: \{'detection score < thr'"):
        BBoxFile(path, score_thr=1.1)
