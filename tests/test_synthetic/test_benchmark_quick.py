# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Smoke run of the main job: generate, mim train / mim test (a), (b), (d),
table, (e) and the tracked inference step, the seeds table, then (c) as an
ablation row and (f), adapted without labels, on top of that (a)."""
import json
import math
import os.path as osp
import runpy

import cv2
import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.mark.slow
@pytest.mark.timeout(900)  # ~2.5 min on 2 idle cores
def test_quick_benchmark_end_to_end(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(REPO)  # the script runs from the repository root
    script = runpy.run_path(
        osp.join(REPO, 'tools', 'synthetic', 'run_benchmark.py'))
    work = tmp_path / 'seeds' / 'seed0'
    # `make benchmark` runs (a)-(d); (c) trains below, in the ablation run
    assert script['parse_args']([]).variants == [
        'a_single_frame', 'b_gtm', 'c_gtm_lcm', 'd_fami']
    results = script['main']([
        '--preset', 'quick', '--data-root',
        str(tmp_path / 'data'), '--work-dir',
        str(work), '--variants', 'a_single_frame', 'b_gtm', 'd_fami'
    ])
    assert list(results) == [
        '(a) single frame', '(b) GTM', '(d) GTM + LCM + MI'
    ]
    # training ends without a validation pass: mim test scores the splits
    train_log = (work / 'd_fami_train.log').read_text()
    assert 'Saving checkpoint at 1 epochs' in train_log
    assert 'Epoch(val)' not in train_log
    for variant, res in results.items():
        for subset in ('all', 'clean', 'occluded', 'blurred', 'degraded'):
            ap = res[subset]['AP']
            assert math.isnan(ap) or 0.0 <= ap <= 100.0, (variant, subset)
        assert res['all']['num_gt'] > 0
    # the table printed by `mim test` (official metric) and ours, both on
    # the test split, agree
    for name in ('a_single_frame', 'd_fami'):
        with open(work / name / 'test_metrics.json') as f:
            metric = json.load(f)
        title = [t for t in results if t.startswith(f'({name[0]})')][0]
        assert metric['posetrack18/AP'] == pytest.approx(
            results[title]['all']['AP'], abs=1e-6)
    saved = json.loads((work / 'results.json').read_text())
    assert saved['preset'] == 'quick' and len(saved['results']) == 3
    assert saved['split'] == 'test'
    test_videos = {
        p.name
        for p in (tmp_path / 'data' / 'annotations' / 'test').iterdir()
    }
    assert {p.name for p in (work / 'd_fami' / 'predictions').iterdir()
            } == test_videos
    assert all(v.endswith('_synthetic_test.json') for v in test_videos)
    # `make benchmark` stops at the table; `make benchmark-tracking` then
    # trains (e) on the same work dir, keeps the table and runs the tracked
    # inference step: (a), (d), (e) through the inferencer with the
    # detection file and the tracker, scored with AP and MOTA
    assert not (work / 'tracking.json').exists()
    table_before = (work / 'results.json').read_text()
    assert script['main']([
        '--preset', 'quick', '--data-root',
        str(tmp_path / 'data'), '--work-dir',
        str(work), '--variants', 'e_fami_own', '--tracked'
    ]) == {}
    assert (work / 'results.json').read_text() == table_before
    tracking = json.loads((work / 'tracking.json').read_text())
    # each model as it is and with the track filter chosen on val
    from fami_pose_mm.synthetic.tracked_eval import BENCHMARK_SMOOTH
    filt = BENCHMARK_SMOOTH['type']
    assert list(tracking['results']) == [
        f'{v}{s}' for v in ('(a) single frame', '(d) GTM + LCM + MI',
                            '(e) full FAMI, own crops')
        for s in ('', f' + {filt}')]
    assert tracking['smooth'] == BENCHMARK_SMOOTH
    # (e) streams: one backbone pass per person-frame (2 crops with flip)
    e_stats = tracking['timings']['e_fami_own']
    assert e_stats['backbone_crops'] == 2 * e_stats['person_frames'] > 0
    for row in tracking['results'].values():
        assert set(row) == {'AP', 'degraded AP', 'MOTA', 'HOTA', 'DetA',
                            'AssA', 'MOTP', 'Precision', 'Recall',
                            'switches', 'accel error'}
        # the one-epoch models match few joints: the acceleration error may
        # have no triple (null)
        assert row['MOTA'] <= 100.0
        assert 0 <= row['HOTA'] <= 100 and 0 <= row['DetA'] <= 100
        assert row['HOTA'] == pytest.approx(
            (row['DetA'] * row['AssA']) ** 0.5, abs=15)
        assert row['accel error'] is None or row['accel error'] >= 0
    with open(work / 'd_fami' / f'tracked_predictions_{filt}' /
              sorted(test_videos)[0]) as f:
        assert json.load(f)['info']['smoothing'] == BENCHMARK_SMOOTH
    assert {p.name for p in (work / 'd_fami' / 'tracked_predictions'
                             ).iterdir()} == test_videos
    with open(work / 'd_fami' / 'tracked_predictions' /
              sorted(test_videos)[0]) as f:
        assert all(isinstance(a['track_id'], int)
                   for a in json.load(f)['annotations'])

    # the seeds table reuses a finished run of the same seed and split
    seeds = runpy.run_path(
        osp.join(REPO, 'tools', 'synthetic', 'run_benchmark_seeds.py'))
    capsys.readouterr()
    agg = seeds['main']([
        '--preset', 'quick', '--seeds', '0', '--work-dir',
        str(tmp_path / 'seeds'), '--variants', 'a_single_frame', 'b_gtm',
        'd_fami', 'e_fami_own'
    ])
    assert 'reusing' in capsys.readouterr().out
    d = '(d) GTM + LCM + MI'
    assert agg['rows'][d]['all'][2] == [results[d]['all']['AP']]
    # (the named rows, e.g. 'full FAMI: (d) - (a)', need all of (a)-(d):
    # tests/test_synthetic/test_benchmark_eval.py)
    assert f'| {d} - (a) single frame |' in (tmp_path / 'seeds' /
                                             'results.md').read_text()
    assert (work / 'results.md').read_text().count('| (') == 3
    assert 'MOTA' in (tmp_path / 'seeds' / 'tracking.md').read_text()
    # ... and the wanted variants out of a run that has more
    capsys.readouterr()
    pair = seeds['main']([
        '--preset', 'quick', '--seeds', '0', '--work-dir',
        str(tmp_path / 'seeds'), '--variants', 'a_single_frame', 'd_fami'
    ])
    assert 'reusing' in capsys.readouterr().out
    assert list(pair['rows']) == ['(a) single frame', d]
    assert pair['gains'][f'{d} - (a) single frame']['all'][2] == [
        results[d]['all']['AP'] - results['(a) single frame']['all']['AP']]
    cap = cv2.VideoCapture(str(work / 'side_by_side.mp4'))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) > 0

    # one ablation row on top of this run's model (a), with extra options
    argv = [
        '--preset', 'quick', '--data-root',
        str(tmp_path / 'data'), '--work-dir',
        str(tmp_path / 'ablation'), '--variants', 'c_gtm_lcm',
        '--single-frame-checkpoint',
        str(work / 'a_single_frame.pth'), '--also-val', '--cfg-options',
        'model.neck.lcm.identity_init=False'
    ]
    row = script['main'](argv)
    assert list(row) == ['(c) GTM + LCM']
    # --also-val: the same model scored on val as well, in its own files
    val = json.loads((tmp_path / 'ablation' / 'results_val.json').read_text())
    assert val['split'] == 'val' and list(val['results']) == list(row)
    assert val['results'] != row
    val_videos = {
        p.name for p in (tmp_path / 'data' / 'annotations' / 'val').iterdir()
    }
    assert {p.name for p in (tmp_path / 'ablation' / 'c_gtm_lcm' /
                             'predictions_val').iterdir()} == val_videos
    assert json.loads((tmp_path / 'ablation' / 'results.json').read_text()
                      )['split'] == 'test'
    text = (tmp_path / 'ablation' / 'c_gtm_lcm' / 'c_gtm_lcm.py').read_text()
    assert 'identity_init=False' in text
    assert str(work / 'a_single_frame.pth') in text
    footer = (tmp_path / 'ablation' / 'results.md').read_text()
    assert 'identity_init=False' in footer and '--variants c_gtm_lcm' in footer
    # --reuse: a variant whose AP of both splits and checkpoint are there is
    # neither trained nor tested again; its AP is carried over
    log = tmp_path / 'ablation' / 'c_gtm_lcm_train.log'
    stamp = log.stat().st_mtime_ns
    capsys.readouterr()
    assert script['main'](argv + ['--reuse']) == row
    assert 'reusing (c) GTM + LCM' in capsys.readouterr().out
    assert log.stat().st_mtime_ns == stamp
    again = json.loads((tmp_path / 'ablation' / 'results_val.json'
                        ).read_text())
    assert again['results'] == val['results'] and again['reused'] == [
        'c_gtm_lcm']
    assert script['reusable'](str(tmp_path / 'ablation' / 'results.json'),
                              'test', 'quick', 1, ['(c) GTM + LCM']) is None
    # (f): full FAMI on this run's (a), adapted without labels on the test
    # videos (their frames and detection boxes, no annotation), scored on
    # test only
    adapted = script['main']([
        '--preset', 'quick', '--data-root',
        str(tmp_path / 'data'), '--work-dir',
        str(tmp_path / 'adapt'), '--variants', 'f_fami_adapt',
        '--single-frame-checkpoint',
        str(work / 'a_single_frame.pth'), '--also-val'
    ])
    assert list(adapted) == ['(f) full FAMI, adapted without labels']
    log = (tmp_path / 'adapt' / 'f_fami_adapt_train.log').read_text()
    assert 'UnlabelledVideoDataset' in log and 'teacher_score' in log
    assert not (tmp_path / 'adapt' / 'results_val.json').exists()
    with pytest.raises(SystemExit):  # (a) cannot be both run and given
        script['parse_args'](['--variants', 'a_single_frame',
                              '--single-frame-checkpoint', 'x.pth'])
