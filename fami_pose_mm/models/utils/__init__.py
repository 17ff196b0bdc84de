# Copyright (c) fami-pose-mm contributors. All rights reserved.
from .deform_ops import ModulatedDeformConv, deform_backend

__all__ = ['ModulatedDeformConv', 'deform_backend']
