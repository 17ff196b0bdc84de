# Copyright (c) fami-pose-mm contributors. All rights reserved.
import pytest


@pytest.fixture(autouse=True)
def _registered():
    """Import the package (registers datasets and transforms)."""
    import fami_pose_mm  # noqa: F401
    from mmengine.registry import init_default_scope
    init_default_scope('mmpose')
