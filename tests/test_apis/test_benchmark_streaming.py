# Copyright (c) fami-pose-mm contributors. All rights reserved.
import importlib.util
import os.path as osp

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

pytestmark = pytest.mark.usefixtures('one_torch_thread')


def _tool():
    path = osp.join(ROOT, 'tools', 'analysis', 'benchmark_streaming.py')
    spec = importlib.util.spec_from_file_location('benchmark_streaming',
                                                  path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_three_designs_on_the_synthetic_models(capsys):
    """3 frames, in this process: crops per person-frame with flip test
    are 2 (single frame), 2 x T = 10 (clip path) and 2 (streaming)."""
    rows = _tool().main(['--sizes', 'synthetic', '--frames', '3',
                         '--in-process'])['synthetic']
    assert [r['crops_per_person_frame'] for r in rows] == [2, 10, 2]
    assert [r['streaming'] for r in rows] == [False, False, True]
    single, key, stream = (r['macs_per_frame'] for r in rows)
    # streaming: one backbone pass, plus the neck and head of the clip
    assert single < stream < key
    out = capsys.readouterr().out
    assert "| synthetic | FAMI streaming | " in out
    assert out.count('| synthetic |') == 3
