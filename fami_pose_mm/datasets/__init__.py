# Copyright (c) fami-pose-mm contributors. All rights reserved.
from . import transforms  # noqa: F401
from .jhmdb_video_dataset import JhmdbVideoDataset  # noqa: F401
from .posetrack21_video_dataset import PoseTrack21VideoDataset  # noqa: F401
from .posetrack_video_dataset import PoseTrackVideoDataset  # noqa: F401
from .unlabelled_video_dataset import UnlabelledVideoDataset  # noqa: F401
