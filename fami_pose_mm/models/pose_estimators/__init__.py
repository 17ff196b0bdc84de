# Copyright (c) fami-pose-mm contributors. All rights reserved.
from .video_topdown import VideoTopdownPoseEstimator

__all__ = ['VideoTopdownPoseEstimator']
