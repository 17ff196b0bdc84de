# Copyright (c) fami-pose-mm contributors. All rights reserved.
from . import (data_preprocessors, heads, losses, necks,  # noqa: F401
               pose_estimators)
from .utils import ModulatedDeformConv, deform_backend  # noqa: F401
