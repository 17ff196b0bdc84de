# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Tiny FAMI model and a fixed synthetic clip batch for the estimator tests."""
import copy

import numpy as np
import torch
from mmengine.structures import InstanceData, PixelData
from mmpose.registry import KEYPOINT_CODECS
from mmpose.structures import PoseDataSample

K = 5
FLIP_INDICES = [0, 2, 1, 4, 3]
CODEC = dict(type='MSRAHeatmap', input_size=(48, 64), heatmap_size=(12, 16),
             sigma=2)
TINY_HRNET = dict(
    type='HRNet',
    in_channels=3,
    extra=dict(
        stage1=dict(num_modules=1, num_branches=1, block='BOTTLENECK',
                    num_blocks=(1, ), num_channels=(8, )),
        stage2=dict(num_modules=1, num_branches=2, block='BASIC',
                    num_blocks=(1, 1), num_channels=(8, 16)),
        stage3=dict(num_modules=1, num_branches=3, block='BASIC',
                    num_blocks=(1, 1, 1), num_channels=(8, 16, 32)),
        # three branches: a fourth (stride 32) does not divide 64x48
        stage4=dict(num_modules=1, num_branches=3, block='BASIC',
                    num_blocks=(1, 1, 1), num_channels=(8, 16, 32))))
HEAD = dict(type='HeatmapHead', in_channels=8, out_channels=K,
            deconv_out_channels=None, conv_out_channels=(8, ),
            conv_kernel_sizes=(3, ),
            loss=dict(type='KeypointMSELoss', use_target_weight=True),
            decoder=CODEC)


def model_cfg(**overrides) -> dict:
    """Config of a tiny 3-frame FAMI model (64x48 input, 8 channels)."""
    cfg = dict(
        type='VideoTopdownPoseEstimator',
        data_preprocessor=dict(type='MultiFramePoseDataPreprocessor'),
        backbone=copy.deepcopy(TINY_HRNET),
        neck=dict(type='FAMINeck', in_channels=8, num_frames=3,
                  gtm=dict(mid_channels=8, hidden_dim=16),
                  lcm=dict(deform_groups=2, dilation=1), fusion='sum'),
        head=copy.deepcopy(HEAD),
        mi_loss=dict(type='FAMIMutualInfoLoss'),
        mi_predictor=dict(type='HeatmapHead', in_channels=8, out_channels=K,
                          deconv_out_channels=None),
        test_cfg=dict(flip_test=True, flip_mode='heatmap',
                      shift_heatmap=False))
    cfg.update(overrides)
    return cfg


def make_batch(batch_size: int = 2, num_frames: int = 3, seed: int = 0):
    """Clips with bright joint blobs that drift by 1 px per frame."""
    rng = np.random.default_rng(seed)
    codec = KEYPOINT_CODECS.build(CODEC)
    inputs, samples = [], []
    ys, xs = np.mgrid[0:64, 0:48]
    for _ in range(batch_size):
        kpts = np.stack([rng.uniform(8, 40, K), rng.uniform(8, 56, K)], 1)
        clip = np.zeros((num_frames, 3, 64, 48), np.float32)
        for t in range(num_frames):
            for k, (x, y) in enumerate(kpts + t):
                blob = np.exp(-((xs - x)**2 + (ys - y)**2) / 8.0)
                clip[t, k % 3] += 255 * blob
        inputs.append(torch.from_numpy(clip.clip(0, 255).astype(np.uint8)))
        enc = codec.encode(kpts[None], np.ones((1, K)))
        sample = PoseDataSample(metainfo=dict(
            img_path='clip.jpg', input_size=(48, 64),
            input_center=np.array([24.0, 32.0]),
            input_scale=np.array([48.0, 64.0]), flip_indices=FLIP_INDICES))
        sample.gt_instances = InstanceData(
            bboxes=np.array([[0.0, 0.0, 48.0, 64.0]]),
            bbox_scores=np.ones(1), keypoints=kpts[None])
        sample.gt_fields = PixelData(
            heatmaps=torch.from_numpy(enc['heatmaps']).float())
        sample.gt_instance_labels = InstanceData(
            keypoint_weights=torch.from_numpy(
                enc['keypoint_weights']).float())
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)
