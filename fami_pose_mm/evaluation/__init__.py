# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""PoseTrack and JHMDB evaluation: the numpy-only functions
(:mod:`.functional`) and the mmengine metrics (:mod:`.metrics`, registered
by :mod:`fami_pose_mm.plugin`)."""
