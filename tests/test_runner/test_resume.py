# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Interrupt-and-resume (`--resume`) reproduces an uninterrupted run."""
import os.path as osp
import pickle

import pytest
import torch
from mmengine.runner.checkpoint import CheckpointLoader
from runner_helpers import TINY, newest_log, run, scalars, train_cmd


def _load(path: str) -> dict:
    return torch.load(path, map_location='cpu', weights_only=False)


@pytest.mark.slow
def test_resume_matches_uninterrupted_run(tiny_synthetic_root, outside_repo,
                                          tmp_path):
    full, split = str(tmp_path / 'full'), str(tmp_path / 'split')
    # Reference: 2 epochs (4 iterations) in one go.
    run(train_cmd(TINY, full, tiny_synthetic_root), cwd=outside_repo)
    # Interrupted: stop after epoch 1, then `--resume` to epoch 2 in the
    # same work_dir (it finds work_dir/last_checkpoint).
    run(train_cmd(TINY, split, tiny_synthetic_root, 'train_cfg.max_epochs=1'),
        cwd=outside_repo)
    assert not osp.exists(osp.join(split, 'epoch_2.pth'))
    proc = run(
        train_cmd(TINY, split, tiny_synthetic_root, extra_args=('--resume', )),
        cwd=outside_repo)
    assert 'Auto resumed from the latest checkpoint' in proc.stdout
    assert 'resumed epoch: 1, iter: 2' in newest_log(split)

    ref, resumed = scalars(full), scalars(split)
    # The resumed run starts at epoch 2 = global iterations 3 and 4.
    assert [(r['epoch'], r['iter']) for r in resumed] == [(2, 3), (2, 4)]
    assert [(r['epoch'], r['iter']) for r in ref] == [(1, 1), (1, 2), (2, 3),
                                                      (2, 4)]
    # Same LR per iteration as the uninterrupted schedule (warm-up 0.1 ->
    # 0.55 over epoch 1, then x0.5 at epoch 1, the end of the warm-up).
    assert [r['lr'] for r in ref] == pytest.approx([1e-4, 5.5e-4, 5e-4, 5e-4],
                                                   rel=1e-9)
    assert [r['lr'] for r in resumed] == [r['lr'] for r in ref[2:]]
    assert [r['loss']
            for r in resumed] == pytest.approx([r['loss'] for r in ref[2:]],
                                               abs=1e-6)

    a = _load(osp.join(full, 'epoch_2.pth'))
    b = _load(osp.join(split, 'epoch_2.pth'))
    assert (b['meta']['epoch'], b['meta']['iter']) == (2, 4)
    assert a['state_dict'].keys() == b['state_dict'].keys()
    for name, value in a['state_dict'].items():
        torch.testing.assert_close(
            b['state_dict'][name], value, rtol=0, atol=1e-5, msg=name)
    # Scheduler and optimizer states continue, not restart.
    assert a['param_schedulers'] == b['param_schedulers']
    steps = [float(s['step']) for s in b['optimizer']['state'].values()]
    assert steps and all(step == 4 for step in steps)

    # The checkpoint holds more than tensors: torch >= 2.6's default
    # weights_only loader refuses it; mmengine's loader for local files,
    # re-registered by fami_pose_mm (imported by the configs'
    # custom_imports), loads it.
    ckpt = osp.join(split, 'epoch_1.pth')
    with pytest.raises(pickle.UnpicklingError):
        torch.load(ckpt, map_location='cpu')
    import fami_pose_mm.utils.checkpoint  # noqa: F401
    assert CheckpointLoader.load_checkpoint(ckpt)['meta']['epoch'] == 1
