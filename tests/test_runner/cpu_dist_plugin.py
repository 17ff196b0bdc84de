# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Test-only plugin: mmengine distributed training on CPU with gloo.

Imported by the training subprocesses of ``test_distributed.py`` through
``custom_imports`` (the test puts this folder on ``PYTHONPATH``). Nothing
here is needed on GPU machines; it only removes two CUDA assumptions of
mmengine 0.10.7 so that two CPU processes can stand in for two GPUs:

* ``mmengine.dist.init_dist('pytorch')`` calls ``torch.cuda.set_device``,
  which fails without a driver. Importing this module (it happens while the
  config is read, before the runner sets up its environment) joins the
  gloo process group itself when ``WORLD_SIZE`` is set; the runner then
  finds the group initialised and skips ``init_dist``.
* The runner passes ``device_ids=[LOCAL_RANK]`` to its DDP wrapper, which
  torch rejects for CPU modules; :class:`CPUDistributedDataParallel` drops
  it.

:class:`DumpWeightsHook` writes each rank's final weights to
``work_dir/weights_rank{rank}.pth`` so the test can compare ranks;
:class:`HoldingWrapper` lets a test inspect the runner's SyncBN conversion
(torch's SyncBatchNorm runs on GPUs only, and DDP refuses it on CPU).
"""
import os
import os.path as osp
from typing import Optional

import torch
import torch.distributed as dist
from torch import nn
from mmengine.hooks import Hook
from mmengine.model import MMDistributedDataParallel, is_model_wrapper
from mmengine.registry import HOOKS, MODEL_WRAPPERS

if ('WORLD_SIZE' in os.environ and not torch.cuda.is_available()
        and not dist.is_initialized()):
    dist.init_process_group(backend='gloo')


@MODEL_WRAPPERS.register_module(force=True)
class CPUDistributedDataParallel(MMDistributedDataParallel):
    """``MMDistributedDataParallel`` for CPU modules (no ``device_ids``)."""

    def __init__(self, module, device_ids: Optional[list] = None, **kwargs):
        super().__init__(module=module, device_ids=None, **kwargs)


@MODEL_WRAPPERS.register_module(force=True)
class HoldingWrapper(nn.Module):
    """A wrapper that only holds the module: lets a test build a
    distributed runner whose (SyncBN) model DDP would refuse on CPU."""

    def __init__(self, module: nn.Module) -> None:
        super().__init__()
        self.module = module


@HOOKS.register_module(force=True)
class DumpWeightsHook(Hook):
    """Save this rank's parameters, buffers and learning rates at the end."""

    def after_run(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        rank = dist.get_rank() if dist.is_initialized() else 0
        torch.save(
            dict(
                params={
                    name: p.detach().clone()
                    for name, p in model.named_parameters()
                },
                buffers={
                    name: b.detach().clone()
                    for name, b in model.named_buffers()
                },
                lr=[g['lr'] for g in runner.optim_wrapper.param_groups],
                world_size=dist.get_world_size()
                if dist.is_initialized() else 1),
            osp.join(runner.work_dir, f'weights_rank{rank}.pth'))
