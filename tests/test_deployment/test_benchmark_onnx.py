# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""tools/analysis/benchmark_onnx.py on the synthetic models, 3 frames."""
import importlib.util
import os.path as osp

import pytest

pytest.importorskip('onnxruntime')
pytestmark = pytest.mark.usefixtures('one_torch_thread')

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _tool():
    path = osp.join(ROOT, 'tools', 'analysis', 'benchmark_onnx.py')
    spec = importlib.util.spec_from_file_location('benchmark_onnx', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_three_designs_two_backends(capsys):
    rows = _tool().main(['--sizes', 'synthetic', '--frames', '3',
                         '--threads', '1'])['synthetic']
    assert [r['graphs'] for r in rows] == [['image'], ['clip'],
                                           ['backbone', 'neck_head']]
    for row in rows:
        assert row['frames'] == 3
        assert row['pytorch_fps'] > 0 and row['onnxruntime_fps'] > 0
        assert row['ratio'] == pytest.approx(
            row['onnxruntime_fps'] / row['pytorch_fps'])
        # the same keypoints from both backends
        assert row['max_keypoint_diff'] < 1e-2
    out = capsys.readouterr().out
    assert 'CPU, 1 thread(s) (torch and ONNX Runtime' in out
    assert '| synthetic | FAMI streaming | backbone + neck_head | ' in out
    assert out.count('| synthetic |') == 3
