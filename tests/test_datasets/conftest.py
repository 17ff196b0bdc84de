# Copyright (c) fami-pose-mm contributors. All rights reserved.
import pytest


@pytest.fixture(autouse=True)
def _registered():
    """Import the package (registers datasets and transforms)."""
    import fami_pose_mm.plugin  # noqa: F401
    from mmengine.registry import init_default_scope
    init_default_scope('mmpose')


@pytest.fixture(scope='session')
def synthetic_root(tmp_path_factory) -> str:
    """Root of a generated set: 1 train, 1 val, 1 test video of 5 frames,
    3 tracked people per frame (the generator's quick preset)."""
    from fami_pose_mm.synthetic import SyntheticConfig, generate_dataset
    root = str(tmp_path_factory.mktemp('synthetic'))
    cfg = SyntheticConfig.from_preset(
        'quick', seed=3, num_train_videos=1, num_val_videos=1,
        num_test_videos=1, frames_per_video=5)
    generate_dataset(root, cfg, workers=1)
    return root
