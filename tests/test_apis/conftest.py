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


@pytest.fixture(scope='session')
def single_frame_pose_files(tmp_path_factory):
    """(config path, checkpoint path) of the tiny single-frame model: for
    tests of what does not depend on the window (tracking, drawing)."""
    tmp = tmp_path_factory.mktemp('pose_single')
    cfg = tiny_pose_config(multi_frame=False)
    cfg_path = str(tmp / 'tiny_single.py')
    cfg.dump(cfg_path)
    return cfg_path, save_pose_checkpoint(cfg, str(tmp / 'tiny_single.pth'))


@pytest.fixture
def one_torch_thread():
    """Run the test with one torch thread: the tiny models are fastest so,
    and a second thread spinning on a busy 2-core machine slows them 10x."""
    import torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
