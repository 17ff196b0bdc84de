# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""`mim train mmpose` and plain mmengine configs find the installed plugin."""
import json
import os.path as osp
import sys

import pytest
import torch
from runner_helpers import TINY, newest_log, run


@pytest.mark.slow
def test_mim_train_one_epoch_outside_repo(tiny_synthetic_root, outside_repo,
                                          tmp_path):
    work_dir = str(tmp_path / 'work')
    proc = run([
        sys.executable, '-m', 'mim', 'train', 'mmpose', TINY, '--work-dir',
        work_dir, '--cfg-options',
        f'train_dataloader.dataset.data_root={tiny_synthetic_root}',
        'train_cfg.max_epochs=1'
    ],
               cwd=outside_repo)
    assert 'Training finished successfully' in proc.stdout
    ckpt = torch.load(
        osp.join(work_dir, 'epoch_1.pth'),
        map_location='cpu',
        weights_only=False)
    # 2 samples in batches of 1: one epoch is 2 iterations.
    assert (ckpt['meta']['epoch'], ckpt['meta']['iter']) == (1, 2)
    keys = ckpt['state_dict'].keys()
    # The video model with its FAMI neck and frozen MI predictor was built.
    for prefix in ('backbone.', 'neck.gtm.', 'neck.lcm.', 'head.',
                   'mi_predictor.'):
        assert any(k.startswith(prefix) for k in keys), prefix
    log = newest_log(work_dir)
    assert 'init_weights` of VideoTopdownPoseEstimator' in log
    assert 'Epoch(train) [1][2/2]' in log


BUILD_SCRIPT = r'''
import json, sys
from mmengine.config import Config
assert 'fami_pose_mm' not in sys.modules
cfg = Config.fromfile(sys.argv[1])
assert 'fami_pose_mm' in sys.modules, 'custom_imports did not import it'
from mmengine.registry import init_default_scope
init_default_scope(cfg.default_scope)
from mmpose.registry import DATASETS, METRICS, MODELS
root = sys.argv[2]
model = MODELS.build(cfg.model)
cfg.train_dataloader.dataset.data_root = root
dataset = DATASETS.build(cfg.train_dataloader.dataset)
metric = METRICS.build(dict(
    type='PoseTrackAPMetric',
    ann_file=root + 'annotations/posetrack18_val.json'))
item = dataset[0]
print('RESULT', json.dumps(dict(
    model=type(model).__name__,
    preprocessor=type(model.data_preprocessor).__name__,
    neck=type(model.neck).__name__,
    gtm=type(model.neck.gtm).__name__,
    lcm=type(model.neck.lcm).__name__,
    dataset=type(dataset).__name__,
    length=len(dataset),
    loader=type(dataset.pipeline.transforms[0]).__name__,
    inputs=list(item['inputs'].shape),
    offsets=list(item['data_samples'].metainfo['frame_offsets']),
    metric=type(metric).__name__)))
'''


def test_custom_imports_build_in_fresh_process(tiny_synthetic_root,
                                               outside_repo):
    proc = run([sys.executable, '-c', BUILD_SCRIPT, TINY, tiny_synthetic_root],
               cwd=outside_repo)
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith('RESULT')]
    assert line, proc.stdout[-2000:]
    built = json.loads(line[-1][len('RESULT '):])
    assert built == dict(
        model='VideoTopdownPoseEstimator',
        preprocessor='MultiFramePoseDataPreprocessor',
        neck='FAMINeck',
        gtm='GlobalTransformModule',
        lcm='LocalCalibrationModule',
        dataset='PoseTrackVideoDataset',
        length=2,
        loader='LoadVideoFrames',
        inputs=[3, 3, 64, 64],
        offsets=[-1, 1],
        metric='PoseTrackAPMetric')
