# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The inferencer's prediction file: the metric's format plus its fields."""
import json

import numpy as np
import pytest

from fami_pose_mm.apis import PoseTrackJsonWriter
from fami_pose_mm.fileio import load_posetrack18_video


def test_inferencer_file_is_the_shared_format_with_more_fields(tmp_path):
    kpts = np.full((1, 17, 2), 1.23456, np.float32)
    scores = np.linspace(0.1, 0.9, 17, dtype=np.float32)[None]
    writer = PoseTrackJsonWriter('vid')
    writer.add_frame(0, '000000.jpg', kpts, scores,
                     np.array([[10, 20, 110, 220]], np.float32),
                     np.array([0.8], np.float32))
    writer.add_frame(1, '000001.jpg', kpts[:0], scores[:0],
                     np.zeros((0, 4), np.float32), np.zeros(0, np.float32))
    path = str(tmp_path / 'vid.json')
    writer.dump(path)
    with open(path) as f:
        text = f.read()
    content = json.loads(text)
    # one serialisation for every prediction file: sorted keys, indent 4
    assert text == json.dumps(content, sort_keys=True, indent=4)
    assert content['images'] == [
        dict(id=0, file_name='vid/000000.jpg', frame_id=0, vid_id='vid'),
        dict(id=1, file_name='vid/000001.jpg', frame_id=1, vid_id='vid')]
    ann, = content['annotations']
    assert ann['bbox'] == [10, 20, 100, 200] and ann['category_id'] == 1
    assert ann['track_id'] == 0
    assert ann['score'] == pytest.approx(0.8 * 0.5, rel=1e-6)
    # values as computed, not rounded to 3 decimals
    assert ann['keypoints'][:3] == [float(np.float32(1.23456))] * 2 + [
        float(scores[0, 0])]
    assert ann['scores'] == scores[0].tolist()
    frames = load_posetrack18_video(path, is_gt=False)
    assert [f.num_people for f in frames] == [1, 0]


def test_track_ids_are_written_and_checked(tmp_path):
    kpts = np.zeros((2, 17, 2), np.float32)
    scores = np.full((2, 17), 0.5, np.float32)
    boxes = np.array([[0, 0, 10, 10], [20, 0, 30, 10]], np.float32)
    writer = PoseTrackJsonWriter('vid')
    writer.add_frame(0, '000000.jpg', kpts, scores, boxes, np.ones(2),
                     track_ids=np.array([7, 3]))
    assert [a['track_id'] for a in writer.annotations] == [7, 3]
    for bad, match in (([3, 3], 'distinct'), ([-1, 2], 'non-negative'),
                       ([1.5, 2.0], 'must be 2 ints'), ([1], '2 ints')):
        with pytest.raises(ValueError, match=f'frame 1 .000001.jpg.: .*'
                           f'{match}'):
            writer.add_frame(1, '000001.jpg', kpts, scores, boxes,
                             np.ones(2), track_ids=np.array(bad))
