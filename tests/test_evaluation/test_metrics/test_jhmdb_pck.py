# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Sub-JHMDB PCK@0.2 (bbox size) with mmpose's JhmdbPCKAccuracy."""
import json
import os.path as osp

import numpy as np
import pytest
from mmpose.registry import METRICS

from fami_pose_mm.evaluation.functional import average_over_splits

TESTS = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
JHMDB = osp.join(TESTS, 'data', 'jhmdb', 'test_jhmdb_sub1.json')


def _sample(gt_xy, pred_xy, visible, bbox_xyxy):
    return dict(
        gt_instances=dict(keypoints=gt_xy[None],
                          keypoints_visible=visible[None].astype(float),
                          bboxes=np.array([bbox_xyxy], dtype=float)),
        pred_instances=dict(keypoints=pred_xy[None]))


def _pck(samples):
    metric = METRICS.build(dict(type='JhmdbPCKAccuracy', thr=0.2,
                                norm_item='bbox'))
    metric.process([], samples)
    return metric.evaluate(size=len(samples))


def test_ground_truth_as_prediction():
    with open(JHMDB) as f:
        anns = json.load(f)['annotations']
    samples = []
    for ann in anns:
        kpts = np.array(ann['keypoints']).reshape(15, 3)
        x, y, w, h = ann['bbox']
        samples.append(_sample(kpts[:, :2], kpts[:, :2], kpts[:, 2] > 0,
                               [x, y, x + w, y + h]))
    res = _pck(samples)
    assert res['PCK'] == 1.0 and res['Ank PCK'] == 1.0


def test_pck_normalised_by_longer_bbox_side():
    # box 100 x 50 -> size max(w, h) = 100 -> a joint is correct when its
    # error is < 0.2 * 100 = 20 px (strictly).
    gt = np.arange(30, dtype=float).reshape(15, 2) * 3
    pred = gt.copy()
    pred[2] += [19, 0]   # head: 19 px -> correct
    pred[3] += [0, 21]   # right shoulder: 21 px -> wrong
    pred[7] += [50, 0]   # right elbow: wrong but not visible -> ignored
    visible = np.ones(15, bool)
    visible[7] = False
    res = _pck([_sample(gt, pred, visible, [10, 20, 110, 70])])
    assert res['Head PCK'] == 1.0
    assert res['Sho PCK'] == 0.5        # (0 + 1) / 2
    # a joint never visible in the whole set has accuracy -1 in mmpose,
    # which enters the group mean: (-1 + 1) / 2 = 0 (no effect on real
    # splits, where every joint is visible somewhere)
    assert res['Elb PCK'] == 0.0
    # 'PCK' averages the per-joint accuracies over the joints with a
    # visible instance (neck and belly included): 13 of 14 correct
    assert res['PCK'] == pytest.approx(13 / 14)


def test_average_over_splits(tmp_path):
    splits = [{'jhmdb/PCK': 0.9, 'jhmdb/Head PCK': 1.0},
              {'jhmdb/PCK': 0.8, 'jhmdb/Head PCK': 0.9}]
    log = tmp_path / 'scalars.json'  # mmengine: one dict per line
    log.write_text(json.dumps({'PCK': 0.1, 'Head PCK': 0.2}) + '\n' +
                   json.dumps({'PCK': 0.7, 'Head PCK': 0.8}) + '\n')
    mean = average_over_splits(splits + [str(log)], keys=('Head PCK', 'PCK'))
    assert mean == pytest.approx({'Head PCK': 0.9, 'PCK': 0.8})
    with pytest.raises(ValueError, match="'Sho PCK'"):
        average_over_splits(splits)
