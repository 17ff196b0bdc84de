# Copyright (c) fami-pose-mm contributors. All rights reserved.
from .clip_bbox_transforms import (GetClipBBoxCenterScale,  # noqa: F401
                                   RandomClipBBoxTransform, RandomClipFlip,
                                   RandomClipHalfBody, check_clip_pipeline)
from .clip_topdown_affine import ClipTopdownAffine  # noqa: F401
from .degrade_key_frame import DegradeKeyFrame  # noqa: F401
from .load_video_frames import LoadVideoFrames  # noqa: F401
