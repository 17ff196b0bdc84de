# Copyright (c) fami-pose-mm contributors. All rights reserved.
from .frame_deconv_head import FrameDeconvHeatmapHead, frame_deconv_head_cfg

__all__ = ['FrameDeconvHeatmapHead', 'frame_deconv_head_cfg']
