# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Helpers shared by the tests and the analysis tools."""
from .tiny_model import (TINY_CODEC, VIDEO_META_KEYS, tiny_fami_model,
                         tiny_head, tiny_hrnet, tiny_pose_config,
                         tiny_single_frame_model)

__all__ = [
    'TINY_CODEC', 'VIDEO_META_KEYS', 'tiny_fami_model', 'tiny_head',
    'tiny_hrnet', 'tiny_pose_config', 'tiny_single_frame_model'
]
