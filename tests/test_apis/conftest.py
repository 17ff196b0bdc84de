# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Session fixtures of the video API tests."""
import pytest
from apis_test_utils import save_pose_checkpoint, tiny_pose_config


@pytest.fixture(scope='session')
def pose_files(tmp_path_factory):
    """(config path, checkpoint path) of the tiny pose model."""
    tmp = tmp_path_factory.mktemp('pose')
    cfg = tiny_pose_config()
    cfg_path = str(tmp / 'tiny_pose.py')
    cfg.dump(cfg_path)
    return cfg_path, save_pose_checkpoint(cfg, str(tmp / 'tiny_pose.pth'))
