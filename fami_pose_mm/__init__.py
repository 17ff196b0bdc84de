# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""FAMI-Pose for MMPose.

Importing this package registers its models, datasets, transforms and
metrics into MMPose's registries, so configs only need::

    custom_imports = dict(imports=['fami_pose_mm'], allow_failed_imports=False)
    default_scope = 'mmpose'
"""
from .version import __version__, version_info
from . import utils  # noqa: F401,E402  (checkpoint loading under torch>=2.6)
from . import apis, datasets, evaluation, models  # noqa: F401,E402  (registers)

__all__ = ['__version__', 'version_info']
