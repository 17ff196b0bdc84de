# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Scale-out through mmengine: `mim train --launcher pytorch` and torchrun
with two CPU processes (gloo), auto_scale_lr from the paper's batch of 48,
the SyncBN switch."""
import json
import os.path as osp
import socket
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.model import convert_sync_batchnorm
from mmengine.registry import init_default_scope
from runner_helpers import (HERE, TINY, TINY_CPU_DDP, TRAIN_SCRIPT, clean_env,
                            newest_log, run, scalars)
from torch.nn.modules.batchnorm import _BatchNorm


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _load(path: str) -> dict:
    return torch.load(path, map_location='cpu', weights_only=False)


def _launch_cmd(launcher: str, work_dir: str, data_root: str) -> list:
    """Two CPU processes through mim's pytorch launcher or torchrun."""
    port = str(_free_port())
    options = [
        '--work-dir', work_dir, '--auto-scale-lr', '--cfg-options',
        f'train_dataloader.dataset.data_root={data_root}'
    ]
    if launcher == 'mim':
        return [
            sys.executable, '-m', 'mim', 'train', 'mmpose', TINY_CPU_DDP,
            '--launcher', 'pytorch', '--gpus', '2', '--port', port, *options
        ]
    return [
        sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2',
        f'--master_port={port}', TRAIN_SCRIPT, TINY_CPU_DDP, '--launcher',
        'pytorch', *options
    ]


@pytest.mark.slow
@pytest.mark.parametrize('launcher', ['mim', 'torchrun'])
def test_two_process_training(launcher, tiny_synthetic_root, outside_repo,
                              tmp_path):
    work_dir = str(tmp_path / 'work')
    proc = run(
        _launch_cmd(launcher, work_dir, tiny_synthetic_root),
        cwd=outside_repo,
        timeout=150,
        extra_pythonpath=HERE)
    if launcher == 'mim':
        # mim runs the deprecated torch.distributed.launch; it still works.
        assert '-m torch.distributed.launch --nproc_per_node=2' in \
            proc.stdout
    ranks = [_load(osp.join(work_dir, f'weights_rank{r}.pth')) for r in (0, 1)]
    assert [r['world_size'] for r in ranks] == [2, 2]
    params0, params1 = ranks[0]['params'], ranks[1]['params']
    assert params0.keys() == params1.keys() and len(params0) > 100
    # DDP all-reduces the gradients: both ranks end with the same weights.
    for name in params0:
        torch.testing.assert_close(
            params0[name], params1[name], rtol=0, atol=1e-6, msg=name)
    # ...which moved away from the saved epoch-1 state (training happened).
    epoch1 = _load(osp.join(work_dir, 'epoch_1.pth'))['state_dict']
    assert any(not torch.equal(epoch1[n], params0[n]) for n in params0
               if n.startswith(('neck.', 'head.')))
    # The 2 samples were split, one per rank: plain BN statistics, which
    # are not synchronised without SyncBN, differ between the ranks.
    means0, means1 = ranks[0]['buffers'], ranks[1]['buffers']
    assert any(not torch.allclose(means0[n], means1[n]) for n in means0
               if n.endswith('running_mean'))
    # auto_scale_lr: base batch 48, actual 2 ranks x 1 = 2 -> lr x 2/48;
    # the first iteration also carries the warm-up start factor 0.1.
    records = scalars(work_dir)
    assert [(r['epoch'], r['iter']) for r in records] == [(1, 1), (2, 2)]
    assert records[0]['lr'] == pytest.approx(1e-3 * 2 / 48 * 0.1, rel=1e-9)
    assert 'batch size of 48 and the current batch size is 2' in newest_log(
        work_dir)


SYNC_BN_SCRIPT = r'''
import json, sys
import torch
from mmengine.config import Config
from mmengine.runner import Runner
cfg = Config.fromfile(sys.argv[1])
cfg.merge_from_dict({
    'sync_bn': 'torch', 'launcher': 'pytorch', 'work_dir': sys.argv[3],
    'train_dataloader.dataset.data_root': sys.argv[2]})
cfg.model_wrapper_cfg = dict(type='HoldingWrapper')
runner = Runner.from_cfg(cfg)
model = runner.model.module
print('RESULT', json.dumps(dict(
    wrapper=type(runner.model).__name__,
    sync=sum(isinstance(m, torch.nn.SyncBatchNorm) for m in model.modules()),
    plain=sum(type(m).__name__.startswith('BatchNorm')
              for m in model.modules()))))
'''


def test_sync_bn_switch_converts_bn_in_distributed_runner(
        tiny_synthetic_root, outside_repo, tmp_path):
    """`sync_bn='torch'` makes mmengine's runner turn every BN layer into
    SyncBatchNorm when it runs distributed (a world of 1 gloo process; the
    model is inspected, not trained: SyncBatchNorm needs GPUs)."""
    init_default_scope('mmpose')
    from mmpose.registry import MODELS
    cfg = Config.fromfile(TINY)
    num_bn = sum(
        isinstance(m, _BatchNorm) for m in MODELS.build(cfg.model).modules())
    assert num_bn > 40
    env = clean_env(HERE)
    env.update(
        WORLD_SIZE='1',
        RANK='0',
        LOCAL_RANK='0',
        MASTER_ADDR='127.0.0.1',
        MASTER_PORT=str(_free_port()))
    proc = subprocess.run([
        sys.executable, '-c', SYNC_BN_SCRIPT, TINY_CPU_DDP,
        tiny_synthetic_root,
        str(tmp_path / 'work')
    ],
                          cwd=outside_repo,
                          env=env,
                          stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT,
                          text=True,
                          timeout=120)
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith('RESULT')]
    assert proc.returncode == 0 and line, proc.stdout[-3000:]
    got = json.loads(line[-1][len('RESULT '):])
    assert got == dict(wrapper='HoldingWrapper', sync=num_bn, plain=0)


def test_sync_bn_conversion_keeps_frozen_backbone_frozen():
    init_default_scope('mmpose')
    from mmpose.registry import MODELS
    model = MODELS.build(Config.fromfile(TINY).model)
    model = convert_sync_batchnorm(model, 'torch')
    model.train()
    backbone_bn = [
        m for m in model.backbone.modules()
        if isinstance(m, torch.nn.SyncBatchNorm)
    ]
    assert backbone_bn and not any(m.training for m in backbone_bn)
    assert not any(p.requires_grad for p in model.backbone.parameters())
    head_bn = [
        m for m in model.head.modules()
        if isinstance(m, torch.nn.SyncBatchNorm)
    ]
    assert head_bn and all(m.training for m in head_bn)
