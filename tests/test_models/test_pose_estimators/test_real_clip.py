# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The estimator on real PoseTrack18 frames through the project's pipeline."""
import copy
from pathlib import Path

import torch
from mmengine.dataset import pseudo_collate
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS

import fami_pose_mm.plugin  # noqa: F401  (registers)
from _tiny import CODEC, model_cfg

init_default_scope('mmpose')
PT18 = Path(__file__).resolve().parents[2] / 'data' / 'posetrack18'
META_KEYS = ('id', 'img_id', 'img_path', 'supporting_img_paths',
             'frame_offsets', 'category_id', 'crowd_index', 'ori_shape',
             'img_shape', 'input_size', 'input_center', 'input_scale',
             'flip', 'flip_direction', 'flip_indices', 'raw_ann_info',
             'bbox', 'bbox_score')


def test_train_and_predict_on_real_clip():
    from fami_pose_mm.datasets import PoseTrackVideoDataset
    pipeline = [
        dict(type='LoadVideoFrames'),
        dict(type='GetBBoxCenterScale', padding=1.25),
        dict(type='TopdownAffine', input_size=CODEC['input_size']),
        dict(type='GenerateTarget', encoder=CODEC),
        dict(type='PackPoseInputs', meta_keys=META_KEYS)
    ]
    dataset = PoseTrackVideoDataset(
        ann_file=str(PT18 / 'annotations' / 'test_posetrack18_clip.json'),
        data_root=str(PT18), frame_offsets=(-1, 1), pipeline=pipeline,
        test_mode=True)
    data = pseudo_collate([dataset[0], dataset[1]])
    assert data['inputs'][0].shape == (3, 3, 64, 48)
    torch.manual_seed(0)
    model = MODELS.build(model_cfg(num_keypoints=17))
    optim = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-3))
    log_vars = model.train_step(copy.deepcopy(data), optim)
    assert torch.isfinite(log_vars['loss'])
    results = model.val_step(copy.deepcopy(data))
    kpts = results[0].pred_instances.keypoints
    assert kpts.shape == (1, 17, 2)
    # image coordinates inside the padded key-frame box (xywh 365,280,185,310)
    x0, y0, w, h = 365, 280, 185, 310
    cx, cy = x0 + w / 2, y0 + h / 2
    assert (abs(kpts[0, :, 0] - cx) <= 0.65 * 1.25 * h * 0.75).all()
    assert (abs(kpts[0, :, 1] - cy) <= 0.65 * 1.25 * h).all()
    assert results[0].img_path.endswith('.jpg')
