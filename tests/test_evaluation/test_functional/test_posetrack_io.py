# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Loading official PoseTrack18 files; the eval_posetrack.py command."""
import copy
import importlib.util
import json
import os.path as osp

import numpy as np
import pytest

from fami_pose_mm.evaluation.functional import (MISSING_SCORE,
                                                evaluate_posetrack,
                                                load_posetrack18_folders,
                                                load_posetrack18_video)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
GT_DIR = osp.join(ROOT, 'data', 'posetrack18', 'annotations', 'val')
VIDEO = osp.join(GT_DIR, '012834_mpii_test.json')


def test_load_official_video():
    frames = load_posetrack18_video(VIDEO, is_gt=True)
    assert len(frames) == 1 and frames[0].num_people == 11
    first = frames[0]
    # the first person: bbox_head [378, 503, 44, 53], 11 of 15 annotated
    np.testing.assert_array_equal(first.head_boxes[0], [378, 503, 422, 556])
    assert first.valid[0].sum() == 11
    # head_top (slot 2) is joint 14, nose (slot 0) joint 13
    np.testing.assert_allclose(first.keypoints[0, 13], [401, 530])
    np.testing.assert_allclose(first.keypoints[0, 14],
                               [392.8559265, 510.1089478])
    assert len(first.ignore_regions) >= 1
    assert first.ignore_regions[0].shape[1] == 2


def test_ground_truth_as_prediction_is_100():
    gts, preds, videos = load_posetrack18_folders(GT_DIR, GT_DIR)
    assert len(videos) == 3 and len(gts) == 3
    assert np.all(preds[0].scores == MISSING_SCORE)  # GT has no scores
    res = evaluate_posetrack(gts, preds)
    assert all(v == 100.0 for v in res['summary'].values())
    # 14 people; joints inside the ignore regions are not counted
    assert res['num_gt'].sum() == 181
    assert res['num_gt'].tolist() == res['num_pred'].tolist()


def test_prediction_file_rules(tmp_path):
    with open(VIDEO) as f:
        video = json.load(f)
    pred = copy.deepcopy(video)
    ann = pred['annotations'][0]
    ann['scores'] = [0.5] * 17
    ann['keypoints'][0:3] = [0, 0, 0]  # nose: (0, 0, 0) means absent
    frame = load_posetrack18_video(pred, is_gt=False, name='p')[0]
    assert not frame.valid[0, 13] and frame.scores[0, 13] == 0.5
    bad = copy.deepcopy(video)
    bad['annotations'][1]['keypoints'] = [1, 2]
    with pytest.raises(ValueError, match='annotation id .*keypoints'):
        load_posetrack18_video(bad, is_gt=True, name='bad.json')
    (tmp_path / 'pred').mkdir()
    with pytest.raises(FileNotFoundError, match='003418_mpii_test.json'):
        load_posetrack18_folders(GT_DIR, str(tmp_path / 'pred'))
    short = copy.deepcopy(video)
    short['images'] = []
    for name in ('003418_mpii_test', '009473_mpii_test', '012834_mpii_test'):
        with open(osp.join(GT_DIR, name + '.json')) as f:
            content = json.load(f)
        if name == '012834_mpii_test':
            content = short
        (tmp_path / 'pred' / f'{name}.json').write_text(json.dumps(content))
    with pytest.raises(ValueError, match='0 prediction frames but 1'):
        load_posetrack18_folders(GT_DIR, str(tmp_path / 'pred'))


def test_eval_posetrack_command(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location(
        'eval_posetrack', osp.join(osp.dirname(ROOT), 'tools',
                                   'eval_posetrack.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    out = tmp_path / 'ap.json'
    res = tool.main([GT_DIR, GT_DIR, '--out', str(out)])
    printed = capsys.readouterr().out
    assert 'Shoulder' in printed and '100.0' in printed
    assert json.loads(out.read_text())['summary']['Total'] == 100.0
    assert res['ap'] == [100.0] * 15
