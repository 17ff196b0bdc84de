# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""mmengine checkpoints (with numpy objects) load under torch >= 2.6."""
import pathlib

import numpy as np
import pytest
import torch
from mmengine.runner.checkpoint import CheckpointLoader, _load_checkpoint

import fami_pose_mm  # noqa: F401  registers the loaders
from fami_pose_mm.utils.checkpoint import (load_local_checkpoint,
                                           load_url_checkpoint)


def _save(path):
    ckpt = dict(
        state_dict=dict(w=torch.arange(3.)),
        meta=dict(seed=np.int64(7), hist=np.arange(4), epoch=2))
    torch.save(ckpt, path)
    return ckpt


def test_plain_torch_load_refuses_it(tmp_path):
    path = tmp_path / 'epoch_2.pth'
    _save(path)
    with pytest.raises(Exception, match='weights_only'):
        torch.load(path)


def test_mmengine_loads_local_checkpoint_through_our_scheme(tmp_path):
    path = str(tmp_path / 'epoch_2.pth')
    _save(path)
    assert CheckpointLoader._get_checkpoint_loader(path) is \
        load_local_checkpoint
    loaded = _load_checkpoint(path, map_location='cpu')
    assert loaded['meta']['seed'] == 7
    np.testing.assert_array_equal(loaded['meta']['hist'], np.arange(4))
    torch.testing.assert_close(loaded['state_dict']['w'], torch.arange(3.))


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        _load_checkpoint(str(tmp_path / 'nope.pth'))


def test_url_scheme_is_ours_and_loads_numpy_objects(tmp_path, monkeypatch):
    url = 'https://download.example/td-hm_tiny.pth'
    assert CheckpointLoader._get_checkpoint_loader(url) is load_url_checkpoint
    hub = tmp_path / 'hub'
    (hub / 'checkpoints').mkdir(parents=True)
    _save(hub / 'checkpoints' / 'td-hm_tiny.pth')  # already "downloaded"
    monkeypatch.setattr(torch.hub, '_hub_dir', str(hub))
    loaded = load_url_checkpoint(url, map_location='cpu')
    assert loaded['meta']['seed'] == 7
    assert pathlib.Path(hub / 'checkpoints' / 'td-hm_tiny.pth').exists()
