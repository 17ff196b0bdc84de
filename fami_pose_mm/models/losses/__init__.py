# Copyright (c) fami-pose-mm contributors. All rights reserved.
from .fami_mi_loss import FAMIMutualInfoLoss

__all__ = ['FAMIMutualInfoLoss']
