# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Subset AP of the synthetic benchmark and the side-by-side video."""
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from fami_pose_mm.synthetic.benchmark_eval import (SUBSETS, aggregate_seeds,
                                                   evaluate_subsets,
                                                   format_seed_table,
                                                   format_table,
                                                   load_joint_masks,
                                                   save_report)
from fami_pose_mm.synthetic.compare_video import render_side_by_side
from fami_pose_mm.utils.video_writer import h264_encoder


def _write_predictions(root, out_dir, jitter=0.0, seed=0):
    """Ground truth as predictions (scores 1), optionally jittered."""
    rng = np.random.default_rng(seed)
    gt_dir = osp.join(root, 'annotations', 'val')
    os.makedirs(out_dir, exist_ok=True)
    for video in sorted(os.listdir(gt_dir)):
        with open(osp.join(gt_dir, video)) as f:
            gt = json.load(f)
        for ann in gt['annotations']:
            kpts = np.asarray(ann['keypoints'], dtype=float).reshape(17, 3)
            labelled = kpts[:, 2] > 0
            kpts[labelled, :2] += rng.normal(0, jitter, (labelled.sum(), 2))
            kpts[:, 2] = labelled.astype(float)
            ann['keypoints'] = kpts.reshape(-1).tolist()
            ann['scores'] = kpts[:, 2].tolist()
            ann['score'] = 1.0
        with open(osp.join(out_dir, video), 'w') as f:
            json.dump(gt, f)
    return gt_dir


def _flags(root):
    return osp.join(root, 'annotations', 'posetrack18_val_joint_flags.json')


def test_ground_truth_scores_100_on_every_subset(tiny_set, tmp_path):
    root = tiny_set[0]
    gt_dir = _write_predictions(root, str(tmp_path / 'pred'))
    res = evaluate_subsets(gt_dir, str(tmp_path / 'pred'), _flags(root))
    for subset in ('all', 'clean', 'occluded', 'blurred', 'degraded'):
        if res[subset]['num_gt']:
            assert res[subset]['AP'] == pytest.approx(100.0), subset
    # the subsets partition the evaluated joints (clean, occluded, blurred
    # may overlap only between occluded and blurred)
    assert res['clean']['num_gt'] + res['occluded']['num_gt'] >= \
        res['all']['num_gt'] - res['blurred']['num_gt']
    assert res['clean']['num_gt'] < res['all']['num_gt']
    # clean and degraded split the evaluated joints exactly
    assert res['clean']['num_gt'] + res['degraded']['num_gt'] == \
        res['all']['num_gt']


def test_masks_follow_the_flags_file(tiny_set):
    root = tiny_set[0]
    gt_dir = osp.join(root, 'annotations', 'val')
    masks = load_joint_masks(gt_dir, _flags(root))
    with open(_flags(root)) as f:
        flags = json.load(f)['annotations']
    occluded = sum(j['occluded'] for p in flags.values() for j in p)
    assert sum(int(m.sum()) for m in masks['occluded']) == occluded
    for clean, occ, blur, degraded in zip(masks['clean'], masks['occluded'],
                                          masks['blurred'],
                                          masks['degraded']):
        np.testing.assert_array_equal(clean, ~occ & ~blur)
        np.testing.assert_array_equal(degraded, occ | blur)


def test_jitter_lowers_ap_and_table_lists_variants(tiny_set, tmp_path):
    root = tiny_set[0]
    gt_dir = _write_predictions(root, str(tmp_path / 'exact'))
    _write_predictions(root, str(tmp_path / 'noisy'), jitter=12.0)
    exact = evaluate_subsets(gt_dir, str(tmp_path / 'exact'), _flags(root))
    noisy = evaluate_subsets(gt_dir, str(tmp_path / 'noisy'), _flags(root))
    assert noisy['all']['AP'] < exact['all']['AP'] - 5
    table = format_table({'exact': exact, 'noisy': noisy})
    assert '| exact | 100.0 |' in table
    assert table.count('\n') == 3


def test_missing_flags_name_the_annotation(tiny_set, tmp_path):
    root = tiny_set[0]
    with open(_flags(root)) as f:
        flags = json.load(f)
    dropped = sorted(flags['annotations'])[0]
    del flags['annotations'][dropped]
    bad = tmp_path / 'flags.json'
    bad.write_text(json.dumps(flags))
    with pytest.raises(KeyError, match=dropped):
        load_joint_masks(osp.join(root, 'annotations', 'val'), str(bad))


def test_side_by_side_video(tiny_set, tmp_path):
    root = tiny_set[0]
    _write_predictions(root, str(tmp_path / 'pred'))
    video = sorted(os.listdir(tmp_path / 'pred'))[0]
    pred = str(tmp_path / 'pred' / video)
    out = str(tmp_path / 'cmp.mp4')
    n = render_side_by_side(root, [pred, pred], ['a', 'b'], out)
    cap = cv2.VideoCapture(out)
    frames = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    ok, frame = cap.read()
    assert ok and n == frames == 5
    if h264_encoder():  # browsers play it (PyAV installed)
        fourcc = int(cap.get(cv2.CAP_PROP_FOURCC)).to_bytes(4, 'little')
        assert fourcc in (b'avc1', b'h264')
    first = cv2.imread(osp.join(root, 'images', 'val', video[:-5],
                                '000000.jpg'))
    assert frame.shape == (first.shape[0], 2 * first.shape[1], 3)


def _run(aps):
    """A fake run: variant -> subset -> AP, from one AP per variant."""
    names = ['(a)', '(b)', '(c)', '(d)']
    return {n: {s: dict(AP=ap + i, num_gt=10) for i, s in enumerate(SUBSETS)}
            for n, ap in zip(names, aps)}


def test_aggregate_seeds_mean_std_and_gains():
    runs = [_run([80, 84, 85, 86]), _run([82, 85, 85, 88]),
            _run([81, 86, 87, 87])]
    agg = aggregate_seeds(runs)
    mean, std, values = agg['rows']['(a)']['all']
    assert (mean, values) == (81.0, [80.0, 82.0, 81.0])
    assert std == pytest.approx(1.0)  # sample std (ddof=1)
    mean, std, values = agg['rows']['(d)']['degraded']
    assert values == [90.0, 92.0, 91.0] and mean == 91.0
    gtm = agg['gains']['GTM: (b) - (a)']['degraded']
    assert gtm[2] == [4.0, 3.0, 5.0] and gtm[0] == pytest.approx(4.0)
    full = agg['gains']['full FAMI: (d) - (a)']['clean']
    assert full[2] == [6.0, 6.0, 6.0] and full[1] == 0.0
    assert agg['gains']['LCM: (c) - (b)']['all'][2] == [1.0, 0.0, 1.0]
    assert agg['gains']['MI: (d) - (c)']['all'][2] == [1.0, 3.0, 0.0]
    table = format_seed_table(agg)
    assert '| (a) | 81.0 ± 1.0 |' in table
    assert '| full FAMI: (d) - (a) | 6.0 ± 0.0 |' in table
    assert table.count('\n|') == 1 + 4 + 2 + 4  # sep, rows, head+sep, gains


def test_aggregate_seeds_two_variants_gain_of_the_second():
    names = ['(a) ResNet-18', '(d) ResNet-18']
    runs = [{n: r for n, r in zip(names, _run(aps).values())}
            for aps in ([80, 84, 0, 0], [82, 83, 0, 0])]
    runs = [{n: run[n] for n in names} for run in runs]
    agg = aggregate_seeds(runs)
    gain = agg['gains']['(d) ResNet-18 - (a) ResNet-18']['degraded']
    assert gain[2] == [4.0, 1.0] and gain[0] == 2.5
    assert list(agg['gains']) == ['(d) ResNet-18 - (a) ResNet-18']


@pytest.mark.parametrize('num_variants', [3, 4])
def test_aggregate_seeds_video_variants_gains_over_the_first(num_variants):
    # four variants that are not (a)-(d) get no GTM/LCM/MI steps either
    names = ['(a) ResNet-18', '(d) backbone', '(d) deconvs',
             '(d) weighted'][:num_variants]
    runs = [{n: r for n, r in zip(names, _run(aps).values())}
            for aps in ([80, 81, 85, 83], [82, 81, 88, 84])]
    agg = aggregate_seeds(runs)
    assert list(agg['gains']) == [f'{n} - (a) ResNet-18' for n in names[1:]]
    assert format_seed_table(agg).count(' - (a) ResNet-18 |') == len(
        names) - 1
    assert agg['gains']['(d) backbone - (a) ResNet-18']['all'][2] == [
        1.0, -1.0]
    assert agg['gains']['(d) deconvs - (a) ResNet-18']['all'][:2] == (
        5.5, pytest.approx(0.7071, abs=1e-4))


def test_aggregate_seeds_one_seed_and_bad_input():
    agg = aggregate_seeds([_run([80, 84, 85, 86])])
    assert agg['rows']['(b)']['all'][:2] == (84.0, 0.0)
    partial = aggregate_seeds([{'(a)': _run([80])['(a)']}])
    assert partial['gains'] == {}
    with pytest.raises(ValueError, match='at least one'):
        aggregate_seeds([])
    with pytest.raises(ValueError, match='seed run 1'):
        aggregate_seeds([_run([80, 84, 85, 86]), {'(a)': {}}])


def test_tracking_rows_aggregate_over_seeds():
    from fami_pose_mm.synthetic.tracked_eval import (TRACKING_KEYS,
                                                     aggregate_tracking,
                                                     format_tracking_table)
    runs = [{'(a)': {k: 10.0 * s + i for i, k in enumerate(TRACKING_KEYS)}}
            for s in (1, 2, 3)]
    agg = aggregate_tracking(runs)
    mean, std, values = agg['(a)']['MOTA']
    assert values == [12.0, 22.0, 32.0]
    assert mean == pytest.approx(22.0) and std == pytest.approx(10.0)
    table = format_tracking_table(agg)
    assert '| (a) | 20.0 ± 10.0 | 21.0 ± 10.0 | 22.0 ± 10.0 |' in table
    with pytest.raises(ValueError, match='at least one run'):
        aggregate_tracking([])


def test_save_report_prints_and_writes_markdown_and_json(tmp_path, capsys):
    stem = str(tmp_path / 'results')
    save_report(stem, '| a |\n|---|', '\ntest split, seed 3', dict(seed=3))
    assert capsys.readouterr().out == '| a |\n|---|\ntest split, seed 3\n'
    assert (tmp_path / 'results.md').read_text() == (
        '| a |\n|---|\n\ntest split, seed 3\n')
    assert json.loads((tmp_path / 'results.json').read_text()) == {'seed': 3}


def test_one_seed_has_no_spread():
    """Before, one seed's cell read '-110.0 ± 0.0', as if measured twice."""
    from fami_pose_mm.synthetic.benchmark_eval import mean_std
    assert mean_std((-110.0, 0.0, [-110.0])) == '-110.0'
    assert mean_std((2.0, 0.5, [1.5, 2.5])) == '2.0 ± 0.5'
