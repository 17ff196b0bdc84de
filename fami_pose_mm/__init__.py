# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""FAMI-Pose for MMPose.

Importing the package is light: its PoseTrack file formats
(:mod:`fami_pose_mm.fileio`) and metric functions
(:mod:`fami_pose_mm.evaluation.functional`) need numpy and scipy only.
Registering into MMPose's registries is :mod:`fami_pose_mm.plugin`; a
config names it once::

    custom_imports = dict(imports=['fami_pose_mm.plugin'],
                          allow_failed_imports=False)
    default_scope = 'mmpose'

Configs that name the package itself (``imports=['fami_pose_mm']``) keep
working: mmengine's ``Config`` imports the package after mmengine itself,
and under a loaded mmengine the package imports the plugin (elsewhere it
does not, so a numpy-only process stays numpy-only).
"""
import sys

from .version import __version__, version_info

if 'mmengine' in sys.modules:
    from . import plugin  # noqa: F401,E402  (registers, see above)

__all__ = ['__version__', 'version_info']
