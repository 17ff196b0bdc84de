# Copyright (c) fami-pose-mm contributors. All rights reserved.
from .load_video_frames import LoadVideoFrames  # noqa: F401
