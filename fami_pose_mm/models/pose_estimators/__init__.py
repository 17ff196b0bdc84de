# Copyright (c) fami-pose-mm contributors. All rights reserved.
from .video_teacher_student import VideoTeacherStudentEstimator
from .video_topdown import VideoTopdownPoseEstimator

__all__ = ['VideoTeacherStudentEstimator', 'VideoTopdownPoseEstimator']
