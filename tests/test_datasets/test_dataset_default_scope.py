# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The dataset builds with a pipeline of registry names in a fresh process
where no default scope was set (no runner, no ``init_default_scope``)."""
import os.path as osp
import subprocess
import sys

from video_data_helpers import PT18, PT18_CLIP

ROOT = osp.join(osp.dirname(osp.abspath(__file__)), '..', '..')
SCRIPT = '''
import sys
from mmengine.registry import DefaultScope
from fami_pose_mm.datasets import PoseTrackVideoDataset
ds = PoseTrackVideoDataset(
    ann_file=sys.argv[1], data_root=sys.argv[2], test_mode=True,
    pipeline=[dict(type='LoadVideoFrames'),
              dict(type='GetBBoxCenterScale'),
              dict(type='TopdownAffine', input_size=(48, 64)),
              dict(type='PackPoseInputs')])
print('inputs', tuple(ds[0]['inputs'].shape))
print('scope after', DefaultScope.get_current_instance())
'''


def test_built_directly_without_default_scope():
    proc = subprocess.run(
        [sys.executable, '-c', SCRIPT, PT18_CLIP, PT18],
        cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'inputs (5, 3, 64, 48)' in proc.stdout
    # the scope is used while building only: nothing set globally
    assert 'scope after None' in proc.stdout
