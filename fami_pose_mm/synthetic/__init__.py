# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Seeded synthetic degraded-video pose dataset in the PoseTrack18 layout.

A tool library (not imported by ``fami_pose_mm`` itself): figures with the
17 PoseTrack18 joints move over cluttered backgrounds while camera shake,
linear motion blur and moving occluders degrade single frames. See
``docs/synthetic.md`` and ``tools/synthetic/generate_synthetic_posetrack.py``.
"""
from .config import PRESETS, SPLITS, SyntheticConfig
from .degrade import motion_blur_kernel, occlusion_flags
from .figure import KEYPOINT_NAMES
from .generate import generate_dataset
from .video import render_video

__all__ = [
    'PRESETS', 'SPLITS', 'SyntheticConfig', 'KEYPOINT_NAMES',
    'generate_dataset', 'render_video', 'motion_blur_kernel',
    'occlusion_flags'
]
