# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""A tiny synthetic dataset shared by the tests of this folder."""
import pytest

from fami_pose_mm.synthetic import SyntheticConfig, generate_dataset

TINY = dict(seed=3, num_train_videos=1, num_val_videos=2, num_test_videos=1,
            frames_per_video=5)


@pytest.fixture(scope='session')
def tiny_set(tmp_path_factory):
    """(root, config, summary) of a 1 train + 2 val + 1 test video x 5
    frame set."""
    root = str(tmp_path_factory.mktemp('synthetic'))
    cfg = SyntheticConfig.from_preset('quick', **TINY)
    summary = generate_dataset(root, cfg, workers=1)
    return root, cfg, summary
