# Copyright (c) fami-pose-mm contributors. All rights reserved.
from .fami_neck import FAMINeck
from .global_transform import GlobalTransformModule
from .local_calibration import LocalCalibrationModule

__all__ = ['FAMINeck', 'GlobalTransformModule', 'LocalCalibrationModule']
