# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The acceleration error on tracks with known noise."""
import numpy as np
import pytest

from fami_pose_mm.evaluation.functional import evaluate_jitter
from fami_pose_mm.fileio import PoseTrackFrame


def _frames(positions, track_ids, video='v', scores=None):
    """Frames of people ``positions`` (T, N, 15, 2), head boxes 40 px."""
    frames = []
    for t, kpts in enumerate(positions):
        n = len(kpts)
        heads = np.tile([0.0, 0.0, 40.0, 40.0], (n, 1))
        frames.append(PoseTrackFrame(
            name=f'{video} {t}', keypoints=np.asarray(kpts, float),
            valid=np.ones((n, 15), bool),
            scores=None if scores is None else np.ones((n, 15)),
            head_boxes=heads, track_ids=np.asarray(track_ids[t]),
            video=video))
    return frames


def _truth(num_frames=200, seed=0):
    """Two people moving at constant speed (no acceleration)."""
    rng = np.random.default_rng(seed)
    start = rng.uniform(100, 300, (2, 15, 2))
    speed = np.array([[1.5, 0.5], [-1.0, 2.0]])[:, None]
    return np.stack([start + t * speed for t in range(num_frames)])


def test_noise_of_known_size():
    truth = _truth()
    ids = [[0, 1]] * len(truth)
    gt = _frames(truth, ids)
    # a constant offset or a steady drift: no jitter
    offset = _frames(truth + 3.0, [[7, 9]] * len(truth), scores=True)
    res = evaluate_jitter(gt, offset)
    np.testing.assert_allclose(res['accel_error'], 0, atol=1e-9)
    assert res['summary']['Total'] == pytest.approx(0, abs=1e-9)
    assert res['gt_summary']['Total'] == pytest.approx(0, abs=1e-9)
    # 198 triples per person and joint
    assert res['num_triples'].tolist() == [2 * 198] * 15
    # iid noise of std s per coordinate: the second difference has std
    # sqrt(6) s per axis, its norm the mean sqrt(6) s sqrt(pi / 2)
    sigma = 2.0
    rng = np.random.default_rng(1)
    noisy = truth + rng.normal(0, sigma, truth.shape)
    res = evaluate_jitter(gt, _frames(noisy, [[3, 4]] * len(truth), True))
    expected = np.sqrt(6) * sigma * np.sqrt(np.pi / 2)
    assert res['summary']['Total'] == pytest.approx(expected, rel=0.03)
    assert list(res['summary']) == ['Head', 'Shoulder', 'Elbow', 'Wrist',
                                    'Hip', 'Knee', 'Ankle', 'Total']


def test_only_matched_consecutive_frames_count():
    truth = _truth(10)
    gt = _frames(truth, [[0, 1]] * 10)
    pred_kpts = truth.copy()
    pred_kpts[4, 1] += 500  # person 1 lost in frame 4: no match there
    pred = _frames(pred_kpts, [[5, 6]] * 10, scores=True)
    res = evaluate_jitter(gt, pred)
    # person 0: 8 triples; person 1: frames 0-3 and 5-9 -> 2 + 3 triples
    assert res['num_triples'].tolist() == [8 + 2 + 3] * 15
    np.testing.assert_allclose(res['accel_error'], 0, atol=1e-9)
    # two videos are not one sequence
    half = _frames(truth[:5], [[0, 1]] * 5, video='a') + _frames(
        truth[5:], [[0, 1]] * 5, video='b')
    res = evaluate_jitter(half, half)
    assert res['num_triples'].tolist() == [2 * (3 + 3)] * 15
    with pytest.raises(ValueError, match='10 ground-truth frames but 9'):
        evaluate_jitter(gt, pred[:9])


def test_eval_command_jitter(tmp_path):
    import json
    import os.path as osp
    import subprocess
    import sys
    from test_posetrack_pairing import _folders
    gt_dir, pred_dir = _folders(tmp_path)  # 3 frames, steady motion
    out = tmp_path / 'metrics.json'
    tool = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.dirname(
        osp.abspath(__file__))))), 'tools', 'eval_posetrack.py')
    proc = subprocess.run([sys.executable, tool, gt_dir, pred_dir,
                           '--jitter', '--out', str(out)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert 'Acceleration error' in proc.stdout
    jitter = json.loads(out.read_text())['jitter']
    assert jitter['summary']['Total'] == pytest.approx(0, abs=1e-9)
    assert sum(jitter['num_triples']) > 0
