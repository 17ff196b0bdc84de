# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""tools/analysis/benchmark_train_step.py on the smallest drop-in config."""
import os.path as osp
import runpy

import pytest

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


def test_single_frame_config_follows_video_bases():
    script = runpy.run_path(
        osp.join(ROOT, 'tools', 'analysis', 'benchmark_train_step.py'))
    synthetic = osp.join(ROOT, 'configs', 'synthetic')
    # a variant of a wrapped config (weighted fusion on d_res18_fami_deconv2)
    # measures against the single-frame model under both
    for name in ('d_res18_fami_deconv2.py',
                 'd_res18_fami_deconv2_weighted.py'):
        assert script['single_frame_config'](osp.join(synthetic, name)) == (
            osp.join(synthetic, 'a_res18_single_frame.py'))
    drop_in = script['single_frame_config'](osp.join(
        ROOT, 'configs', 'drop_in', 'fami_res50_posetrack18-256x192.py'))
    assert drop_in.endswith(osp.join(
        'topdown_heatmap', 'coco', 'td-hm_res50_8xb64-210e_coco-256x192.py'))
    # the single-frame config itself wraps nothing
    with pytest.raises(ValueError, match='not a video config'):
        script['single_frame_config'](
            osp.join(synthetic, 'a_res18_single_frame.py'))
