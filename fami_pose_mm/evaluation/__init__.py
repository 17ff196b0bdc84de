# Copyright (c) fami-pose-mm contributors. All rights reserved.
from . import metrics  # noqa: F401
