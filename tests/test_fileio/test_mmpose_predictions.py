# Copyright (c) fami-pose-mm contributors. All rights reserved.
import json

import numpy as np
import pytest

from fami_pose_mm.fileio import (MMPosePredictionWriter,
                                 load_mmpose_predictions)


def test_writes_mmposes_video_file(tmp_path):
    writer = MMPosePredictionWriter()
    person = dict(keypoints=np.array([[1.5, 2.0], [3.0, 4.0]], np.float32),
                  keypoint_scores=np.array([0.5, 0.25], np.float32),
                  bbox=([0.0, 1.0, 10.0, 20.0], ),
                  bbox_score=np.float32(0.75), track_id=np.int64(3))
    writer.add_frame(0, [person])
    writer.add_frame(1, [])
    path = str(tmp_path / 'video.json')
    writer.dump(path)
    with open(path) as f:
        raw = json.load(f)
    assert raw == [
        dict(frame_id=0, instances=[dict(
            keypoints=[[1.5, 2.0], [3.0, 4.0]], keypoint_scores=[0.5, 0.25],
            bbox=[[0.0, 1.0, 10.0, 20.0]], bbox_score=0.75, track_id=3)]),
        dict(frame_id=1, instances=[])
    ]
    assert load_mmpose_predictions(path) == raw


def test_bad_instances_and_files(tmp_path):
    writer = MMPosePredictionWriter()
    with pytest.raises(ValueError, match=r"instance 1 of frame 4 lacks "
                       r"\['keypoint_scores'\]"):
        writer.add_frame(4, [dict(keypoints=[], keypoint_scores=[]),
                             dict(keypoints=[])])
    bad = tmp_path / 'bad.json'
    bad.write_text(json.dumps(dict(images=[])))
    with pytest.raises(ValueError, match='bad.json is not an MMPose '
                       'prediction file'):
        load_mmpose_predictions(str(bad))
