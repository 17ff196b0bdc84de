# Copyright (c) fami-pose-mm contributors. All rights reserved.
from . import data_preprocessors, losses, necks, pose_estimators  # noqa: F401
from .utils import ModulatedDeformConv, deform_backend  # noqa: F401
