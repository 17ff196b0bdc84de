# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The tiny FAMI-Pose model: one definition for the tests and smoke runs.

An HRNet with 8/16/32 channels and one block per branch (three branches:
a fourth, stride 32, does not divide a 64 x 48 crop), a heatmap head with
one 3x3 conv and no deconvolution, 64 x 48 (H x W) crops and 16 x 12
heatmaps, and a FAMI neck with one GTM conv and two LCM deform groups.
With random weights it is for plumbing and speed checks, not accuracy.

Plain config dicts only (no torch or mmengine import); build them with
``mmpose.registry.MODELS`` or wrap them in ``mmengine.config.Config``.
"""
import copy
from typing import Sequence

#: Codec of the tiny model: 64 x 48 crops, 16 x 12 heatmaps.
TINY_CODEC = dict(
    type='MSRAHeatmap', input_size=(48, 64), heatmap_size=(12, 16), sigma=2)
#: ``PackPoseInputs`` meta keys of a multi-frame sample.
VIDEO_META_KEYS = ('id', 'img_id', 'img_path', 'supporting_img_paths',
                   'frame_offsets', 'category_id', 'ori_shape', 'img_shape',
                   'input_size', 'input_center', 'input_scale', 'flip',
                   'flip_direction', 'flip_indices', 'bbox', 'bbox_score')
_CHANNELS = 8  # of the highest-resolution branch: backbone out, neck, head
_IMAGENET_NORM = dict(
    mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True)


def tiny_hrnet() -> dict:
    """HRNet config: 8/16/32 channels, one module and block per branch."""

    def stage(num_branches: int, block: str = 'BASIC') -> dict:
        return dict(num_modules=1, num_branches=num_branches, block=block,
                    num_blocks=(1, ) * num_branches,
                    num_channels=(8, 16, 32)[:num_branches])

    return dict(
        type='HRNet', in_channels=3,
        extra=dict(stage1=stage(1, 'BOTTLENECK'), stage2=stage(2),
                   stage3=stage(3), stage4=stage(3)))


def tiny_head(num_keypoints: int = 17) -> dict:
    """``HeatmapHead`` config: one 3x3 conv of 8 channels, MSE loss."""
    return dict(
        type='HeatmapHead', in_channels=_CHANNELS, out_channels=num_keypoints,
        deconv_out_channels=None, conv_out_channels=(_CHANNELS, ),
        conv_kernel_sizes=(3, ),
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder=copy.deepcopy(TINY_CODEC))


def tiny_fami_model(num_frames: int = 3,
                    num_keypoints: int = 17,
                    **overrides) -> dict:
    """The full tiny FAMI model (GTM, LCM, sum fusion, MI objective).

    Args:
        num_frames (int): Frames per clip T (key + supporting).
        num_keypoints (int): Keypoints K.
        **overrides: Top-level keys of the model config to replace.

    Returns:
        dict: A ``VideoTopdownPoseEstimator`` config, no flip test.
    """
    cfg = dict(
        type='VideoTopdownPoseEstimator',
        data_preprocessor=dict(type='MultiFramePoseDataPreprocessor'),
        backbone=tiny_hrnet(),
        neck=dict(
            type='FAMINeck', in_channels=_CHANNELS, num_frames=num_frames,
            gtm=dict(mid_channels=8, num_convs=1, hidden_dim=16),
            lcm=dict(deform_groups=2, dilation=1), fusion='sum'),
        head=tiny_head(num_keypoints),
        mi_loss=dict(type='FAMIMutualInfoLoss'),
        mi_predictor=dict(
            type='HeatmapHead', in_channels=_CHANNELS,
            out_channels=num_keypoints, deconv_out_channels=None),
        test_cfg=dict(flip_test=False))
    cfg.update(overrides)
    return cfg


def tiny_single_frame_model(num_keypoints: int = 17) -> dict:
    """mmpose's ``TopdownPoseEstimator`` with the same backbone and head."""
    return dict(
        type='TopdownPoseEstimator',
        data_preprocessor=dict(type='PoseDataPreprocessor', **_IMAGENET_NORM),
        backbone=tiny_hrnet(), head=tiny_head(num_keypoints),
        test_cfg=dict(flip_test=False))


def tiny_pose_config(frame_offsets: Sequence[int] = (-1, 1),
                     multi_frame: bool = True) -> dict:
    """A whole pose config around the tiny model, for the inferencer.

    Args:
        frame_offsets (Sequence[int]): Supporting frame offsets of the
            multi-frame model (T = 1 + their number).
        multi_frame (bool): The tiny FAMI model on ``PoseTrackVideoDataset``
            frames, or the single-frame model on ``PoseTrack18Dataset``.

    Returns:
        dict: ``default_scope``, ``model``, train/test dataloaders with the
        test pipeline, and a ``PoseLocalVisualizer``.
    """
    if multi_frame:
        model = tiny_fami_model(num_frames=1 + len(frame_offsets))
        load = dict(type='LoadVideoFrames')
        dataset = dict(type='PoseTrackVideoDataset',
                       frame_offsets=tuple(frame_offsets))
    else:
        model = tiny_single_frame_model()
        load = dict(type='LoadImage')
        dataset = dict(type='PoseTrack18Dataset')
    pipeline = [
        load,
        dict(type='GetBBoxCenterScale', padding=1.25),
        dict(type='TopdownAffine', input_size=TINY_CODEC['input_size']),
        dict(type='PackPoseInputs', meta_keys=VIDEO_META_KEYS)
    ]
    return dict(
        default_scope='mmpose',
        data_mode='topdown',
        model=model,
        train_dataloader=dict(dataset=dict(dataset, pipeline=pipeline)),
        test_dataloader=dict(dataset=dict(dataset, pipeline=pipeline)),
        visualizer=dict(type='PoseLocalVisualizer',
                        vis_backends=[dict(type='LocalVisBackend')],
                        name='visualizer'))
