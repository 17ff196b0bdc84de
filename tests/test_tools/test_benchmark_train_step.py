# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""tools/analysis/benchmark_train_step.py on the smallest drop-in config."""
import os.path as osp
import runpy

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_train_step_benchmark_rows(capsys):
    script = runpy.run_path(
        osp.join(ROOT, 'tools', 'analysis', 'benchmark_train_step.py'))
    config = osp.join(ROOT, 'configs', 'drop_in',
                      'fami_litehrnet-18_posetrack18-256x192.py')
    rows = script['main'](['--configs', config, '--batch-size', '1',
                           '--steps', '1', '--threads', '1'])
    assert [r['config'] for r in rows] == [
        'configs/drop_in/fami_litehrnet-18_posetrack18-256x192.py']
    row = rows[0]
    assert row['single_ms'] > 0 and row['video_ms'] > 0
    # the frozen Lite-HRNet-18 backbone (1.1 M) and MI predictor; the neck
    # and head train
    assert 1.0 < row['frozen'] < 1.3 and 0.3 < row['trainable'] < 0.6
    out = capsys.readouterr().out
    assert '| configs/drop_in/fami_litehrnet-18_posetrack18-256x192.py |' in out
