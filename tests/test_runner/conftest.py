# Copyright (c) fami-pose-mm contributors. All rights reserved.
import pytest


@pytest.fixture(scope='session')
def tiny_synthetic_root(tmp_path_factory) -> str:
    """A seeded synthetic PoseTrack18-layout dataset: 1 train video of 4
    frames (plus 1 val video), written once per test session (~1 s)."""
    from fami_pose_mm.synthetic import generate_dataset
    from fami_pose_mm.synthetic.config import SyntheticConfig
    root = tmp_path_factory.mktemp('synthetic')
    generate_dataset(
        str(root),
        SyntheticConfig(
            seed=0, num_train_videos=1, num_val_videos=1, frames_per_video=4))
    return str(root) + '/'


@pytest.fixture
def outside_repo(tmp_path) -> str:
    """An empty working folder that does not contain the repository."""
    cwd = tmp_path / 'cwd'
    cwd.mkdir()
    return str(cwd)
