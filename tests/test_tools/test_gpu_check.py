# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""tools/gpu_check.py: its CPU dry run (what runs without a GPU)."""
import json
import os.path as osp
import runpy
import subprocess

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.mark.slow
def test_dry_run_writes_every_step(tmp_path):
    out = tmp_path / 'gpu_check.json'
    result = runpy.run_path(osp.join(ROOT, 'tools', 'gpu_check.py'))['main'](
        ['--dry-run', '--out', str(out)])
    saved = json.loads(out.read_text())
    assert saved['dry_run'] and set(saved) >= {
        'environment', 'cuda_tests', 'deform_equality', 'train',
        'inference', 'onnxruntime'}
    assert saved['environment']['device'] == 'cpu'
    assert saved['cuda_tests']['status'] == 'skipped'
    # the kernels agree on the CPU in float32 and float64
    eq = saved['deform_equality']
    assert eq['status'] == 'ok' and 'torchvision_float64_max_abs_diff' in eq
    assert eq['torchvision_float64_max_abs_diff'] < 1e-10
    # two training steps of the synthetic model: finite, falling loss
    fp32 = saved['train']['fp32']
    assert fp32['status'] == 'ok' and len(fp32['losses']) == 2
    assert fp32['loss_last'] < fp32['loss_first']
    assert saved['train']['amp']['status'] == 'skipped'
    # inference: single frame, key crops, streaming, ratios to single frame
    assert len(saved['inference']['rows']) == 3
    assert saved['inference']['ratios'][0] == 1.0
    assert result['train']['status'] == 'ok'


def test_install_script_is_valid_bash():
    script = osp.join(ROOT, 'tools', 'gpu_check.sh')
    proc = subprocess.run(['bash', '-n', script], capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
    listed = open(osp.join(ROOT, 'requirements', 'gpu_check.txt')).read()
    assert 'mmpose==1.3.2' in listed and 'mmengine==0.10.7' in listed
