# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The package imports light; ``fami_pose_mm.plugin`` registers, and so does
``custom_imports=['fami_pose_mm']`` of configs written before the plugin
module. Each check in a fresh interpreter, from outside the checkout (as
``mim train`` runs)."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
HEAVY = ('torch', 'mmengine', 'mmpose', 'mmdet', 'mmcv', 'cv2')


def _python(code: str, cwd: Path) -> dict:
    """Run ``code`` in a new interpreter; it prints one JSON line last."""
    proc = subprocess.run([sys.executable, '-c', code], cwd=cwd,
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_file_formats_and_metric_functions_import_without_torch(tmp_path):
    out = _python(
        'import json, sys\n'
        'import fami_pose_mm\n'
        'import fami_pose_mm.fileio as io\n'
        'import fami_pose_mm.evaluation.functional as F\n'
        f'heavy = [m for m in {HEAVY!r} if m in sys.modules]\n'
        'print(json.dumps(dict(heavy=heavy, names=[F.evaluate_posetrack.'
        '__name__, F.evaluate_tracking.__name__, io.PoseTrackFrame.__name__'
        '], plugin="fami_pose_mm.plugin" in sys.modules)))', tmp_path)
    assert out['heavy'] == []
    assert out['plugin'] is False
    assert out['names'] == ['evaluate_posetrack', 'evaluate_tracking',
                            'PoseTrackFrame']


@pytest.mark.parametrize('module', ['fami_pose_mm.plugin', 'fami_pose_mm'])
def test_one_custom_imports_line_registers(module, tmp_path):
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(f'custom_imports = dict(imports=[{module!r}], '
                   'allow_failed_imports=False)\n')
    out = _python(
        'import json, sys\n'
        'from mmengine.config import Config\n'
        'from mmpose.registry import DATASETS, METRICS, MODELS, TRANSFORMS\n'
        'before = MODELS.get("FAMINeck") is not None\n'
        f'Config.fromfile({str(cfg)!r})\n'
        'found = [r.get(n) is not None for r, n in ((MODELS, "FAMINeck"), '
        '(MODELS, "VideoTopdownPoseEstimator"), (DATASETS, '
        '"PoseTrackVideoDataset"), (TRANSFORMS, "LoadVideoFrames"), '
        '(METRICS, "PoseTrackAPMetric"))]\n'
        'print(json.dumps(dict(before=before, found=found)))', tmp_path)
    assert out['before'] is False
    assert out['found'] == [True] * 5


def test_the_eval_command_plants_no_modules():
    source = (REPO / 'tools' / 'eval_posetrack.py').read_text()
    assert 'sys.modules' not in source
    assert 'types.ModuleType' not in source
