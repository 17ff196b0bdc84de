# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Paths and subprocess helpers for the runner tests (imported by module
name; conftest.py only holds fixtures).

Training runs in subprocesses started from an empty temporary folder, so
``fami_pose_mm`` is found only as the installed package, the way a user's
``mim train`` finds it. Each subprocess uses one BLAS/OpenMP thread: the
tiny model is then ~20x faster on a 2-core machine than with the default
thread pool.
"""
import json
import os
import os.path as osp
import subprocess
import sys
from glob import glob
from typing import Dict, List, Optional

import mmpose

HERE = osp.dirname(osp.abspath(__file__))
REPO = osp.abspath(osp.join(HERE, '..', '..'))
CONFIGS = osp.join(REPO, 'tests', 'data', 'configs')
TINY = osp.join(CONFIGS, 'fami_tiny_runner.py')
TINY_CPU_DDP = osp.join(CONFIGS, 'fami_tiny_runner_cpu_ddp.py')
# The script `mim train mmpose` runs (mmpose ships it inside the package).
TRAIN_SCRIPT = osp.join(
    osp.dirname(mmpose.__file__), '.mim', 'tools', 'train.py')


def clean_env(extra_pythonpath: Optional[str] = None) -> Dict[str, str]:
    """Environment for training subprocesses: one thread, no repo on path.

    Args:
        extra_pythonpath (str, optional): A folder to put on ``PYTHONPATH``.

    Returns:
        dict: The environment.
    """
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    paths = [
        p for p in env.get('PYTHONPATH', '').split(os.pathsep)
        if p and osp.abspath(p) != REPO
    ]
    if extra_pythonpath:
        paths.insert(0, extra_pythonpath)
    env['PYTHONPATH'] = os.pathsep.join(paths)
    env.pop('WORLD_SIZE', None)
    return env


def run(cmd: List[str],
        cwd: str,
        timeout: float = 120,
        extra_pythonpath: Optional[str] = None) -> subprocess.CompletedProcess:
    """Run ``cmd`` in ``cwd``; fail with its output tail if it fails."""
    proc = subprocess.run(
        cmd,
        cwd=cwd,
        env=clean_env(extra_pythonpath),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f'{" ".join(cmd)} exited with '
                             f'{proc.returncode}:\n{proc.stdout[-4000:]}')
    return proc


def train_cmd(config: str,
              work_dir: str,
              data_root: str,
              *options: str,
              extra_args: tuple = ()) -> List[str]:
    """``python mmpose/.mim/tools/train.py CONFIG`` with the data root set."""
    return [
        sys.executable, TRAIN_SCRIPT, config, '--work-dir', work_dir,
        *extra_args, '--cfg-options',
        f'train_dataloader.dataset.data_root={data_root}', *options
    ]


def scalars(work_dir: str) -> List[dict]:
    """Per-iteration records (lr, losses, epoch, iter) of the newest run."""
    runs = sorted(glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    if not runs:
        raise AssertionError(f'no scalars.json under {work_dir}')
    with open(runs[-1]) as f:
        return [json.loads(line) for line in f if line.strip()]


def newest_log(work_dir: str) -> str:
    """Text of the newest run's log file in ``work_dir``."""
    logs = sorted(glob(osp.join(work_dir, '*', '*.log')))
    if not logs:
        raise AssertionError(f'no log file under {work_dir}')
    with open(logs[-1]) as f:
        return f.read()
