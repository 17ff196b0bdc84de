# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Importing this module registers fami_pose_mm's models, datasets,
transforms and metrics into MMPose's registries, and mmengine's checkpoint
loaders for torch >= 2.6 (:mod:`fami_pose_mm.utils.checkpoint`).

The one line a config needs::

    custom_imports = dict(imports=['fami_pose_mm.plugin'],
                          allow_failed_imports=False)
    default_scope = 'mmpose'

Python code that builds models or datasets from configs imports it once
(``import fami_pose_mm.plugin``). The package itself (``import
fami_pose_mm``) and its numpy-only parts (:mod:`fami_pose_mm.fileio`,
:mod:`fami_pose_mm.evaluation.functional`) register nothing and import
neither torch nor mmengine.
"""
from . import utils  # noqa: F401  (checkpoint loading under torch>=2.6)
from . import apis, datasets, evaluation, models  # noqa: F401  (registers)
from .evaluation import metrics  # noqa: F401  (registers the metrics)
