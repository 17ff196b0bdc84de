# Copyright (c) fami-pose-mm contributors. All rights reserved.
from .crop_resample import (flip_affines, resample_to_key,
                            stack_frame_warp_mats, support_to_key_affines)
from .deform_ops import ModulatedDeformConv, deform_backend

__all__ = [
    'ModulatedDeformConv', 'deform_backend', 'flip_affines',
    'resample_to_key', 'stack_frame_warp_mats',
    'support_to_key_affines'
]
