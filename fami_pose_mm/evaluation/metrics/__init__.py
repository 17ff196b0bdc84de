# Copyright (c) fami-pose-mm contributors. All rights reserved.
from .posetrack_ap_metric import PoseTrackAPMetric  # noqa: F401
