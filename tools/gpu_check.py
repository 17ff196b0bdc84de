# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The GPU path in one short run: CUDA tests, deformable-convolution
kernels, W48 training steps and W48 inference speed; one JSON of numbers.

Steps (each recorded as ``ok``, ``failed`` with the error, or ``skipped``
with the reason; the JSON is rewritten after every step, so a run cut
short keeps what it measured):

1. ``environment``: torch, CUDA, the GPU, mmcv's compiled ops and which
   deformable-convolution kernels serve a CUDA tensor.
2. ``cuda_tests``: the suite's ``-m cuda`` tests (skipped on a CPU).
3. ``deform_equality``: every available kernel (mmcv, torchvision,
   grid_sample) against grid_sample, outputs and gradients, float32 and
   float64, on the device.
4. ``train``: ``--iters`` iterations of ``configs/fami_hrnet_w48_posetrack18.py``
   (random weights: no download) on a generated PoseTrack18-shaped set
   (the synthetic generator, crops at the config's 384x288), with and
   without AMP: loss finite and falling, peak GPU memory, iterations per
   second.
5. ``inference``: ``tools/analysis/benchmark_streaming.py --sizes w48`` on
   the device: single frame, FAMI key crops, streaming; ms per frame and
   the ratios.
6. ``onnxruntime``: whether ONNX Runtime offers its CUDA provider.

On a GPU machine (``tools/gpu_check.sh`` installs the carried wheels,
then runs this)::

    python tools/gpu_check.py --out work_dirs/gpu_check.json

``--dry-run`` runs the same code on the CPU at toy sizes (the synthetic
model for training and inference, 2 iterations, no AMP, no CUDA tests):
the test suite runs it.
"""
import warnings

warnings.filterwarnings(  # mmengine imports pkg_resources: hide only that
    'ignore', message='pkg_resources is deprecated as an API',
    category=UserWarning)

import argparse
import json
import math
import os
import os.path as osp
import runpy
import subprocess
import sys
import tempfile
import time
import traceback
from typing import Callable, Dict, List, Optional

import torch

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
W48_CONFIG = 'configs/fami_hrnet_w48_posetrack18.py'
DRY_CONFIG = 'configs/synthetic/d_fami.py'
STEPS = ('environment', 'cuda_tests', 'deform_equality', 'train',
         'inference', 'onnxruntime')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default='work_dirs/gpu_check.json')
    parser.add_argument('--steps', nargs='+', choices=STEPS,
                        default=list(STEPS))
    parser.add_argument('--iters', type=int, default=20)
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--dry-run', action='store_true',
                        help='the CPU at toy sizes (what the tests run)')
    return parser.parse_args(argv)


def environment(args) -> dict:
    from fami_pose_mm.models.utils import deform_ops
    info = dict(torch=torch.__version__, cuda=torch.version.cuda,
                cuda_available=torch.cuda.is_available(),
                mmcv_ops=deform_ops._MMCV_KERNEL is not None,
                mmcv_cuda_kernels=bool(deform_ops._MMCV_HAS_CUDA),
                device=args.device)
    if torch.cuda.is_available():
        info.update(gpu=torch.cuda.get_device_name(0),
                    gpu_memory_gib=torch.cuda.get_device_properties(
                        0).total_memory / 2**30)
    info['auto_kernel'] = deform_ops.deform_backend('auto',
                                                    torch.device(args.device))
    return info


def cuda_tests(args) -> dict:
    if args.device != 'cuda':
        return dict(status='skipped', reason='no CUDA device')
    proc = subprocess.run(
        [sys.executable, '-m', 'pytest', '-m', 'cuda', '-q', '-rA', 'tests'],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    tail = proc.stdout.strip().splitlines()[-1:] or ['']
    return dict(status='ok' if proc.returncode == 0 else 'failed',
                summary=tail[0], output=proc.stdout[-3000:])


def deform_equality(args) -> dict:
    from fami_pose_mm.models.utils.deform_ops import (deform_backend,
                                                      modulated_deform_conv2d)
    device = torch.device(args.device)
    kernels = ['grid_sample', 'torchvision']
    try:
        if deform_backend('mmcv', device) == 'mmcv':
            kernels.append('mmcv')
    except RuntimeError as err:
        skipped = str(err)
    else:
        skipped = None
    out = dict(kernels=kernels, mmcv_skipped=skipped)
    for dtype in (torch.float32, torch.float64):
        gen = torch.Generator().manual_seed(0)
        # (B, C, H, W) = (2, 12, 9, 11), 3x3 kernel, padding = dilation
        # = 3 (LCM's), 4 offset groups: the output is 9x11 too
        x = torch.randn(2, 12, 9, 11, generator=gen, dtype=dtype)
        w = torch.randn(12, 12, 3, 3, generator=gen, dtype=dtype)
        b = torch.randn(12, generator=gen, dtype=dtype)
        off = 2.5 * torch.randn(2, 72, 9, 11, generator=gen, dtype=dtype)
        mask = torch.rand(2, 36, 9, 11, generator=gen, dtype=dtype)
        results = {}
        for kernel in kernels:
            if kernel == 'mmcv' and dtype == torch.float64:
                continue  # mmcv's CUDA kernel is float32 / half only
            ts = [t.to(device).clone().requires_grad_(True)
                  for t in (x, off, mask, w, b)]
            y = modulated_deform_conv2d(ts[0], ts[1], ts[2], ts[3], ts[4],
                                        padding=3, dilation=3,
                                        deform_groups=4, backend=kernel)
            (y * torch.linspace(-1, 1, y.numel(), device=device,
                                dtype=dtype).view_as(y)).sum().backward()
            results[kernel] = [y.detach()] + [t.grad for t in ts]
        ref = results['grid_sample']
        for kernel, got in results.items():
            diffs = [float((a - r).abs().max()) for a, r in zip(got, ref)]
            out[f'{kernel}_{str(dtype)[6:]}_max_abs_diff'] = max(diffs)
    tol = 1e-3
    bad = {k: v for k, v in out.items()
           if k.endswith('max_abs_diff') and v > tol}
    out['status'] = 'failed' if bad else 'ok'
    out['tolerance'] = tol
    return out


def _loss_recorder():
    """An mmengine hook recording the loss of every training iteration
    (``.losses``); mmengine is imported when the step runs."""
    from mmengine.hooks import Hook

    class LossRecorder(Hook):
        priority = 'LOWEST'

        def __init__(self):
            self.losses: List[float] = []

        def after_train_iter(self, runner, batch_idx, data_batch=None,
                             outputs=None):
            self.losses.append(float(outputs['loss']))

    return LossRecorder()


def _no_init_cfg(cfg) -> None:
    """Drop every ``init_cfg`` of a model config (no download)."""
    if isinstance(cfg, dict):
        if 'init_cfg' in cfg:
            cfg['init_cfg'] = None
        for value in cfg.values():
            _no_init_cfg(value)
    elif isinstance(cfg, list):
        for value in cfg:
            _no_init_cfg(value)


def _train_once(args, data_root: str, amp: bool, work_dir: str) -> dict:
    from mmengine.config import Config
    from mmengine.runner import Runner
    cfg = Config.fromfile(osp.join(ROOT, args.config))
    _no_init_cfg(cfg.model)
    cfg.work_dir = work_dir
    loader = cfg.train_dataloader
    loader.batch_size = args.batch_size
    loader.num_workers = 0 if args.dry_run else 4
    loader.persistent_workers = False
    loader.dataset.data_root = data_root
    loader.dataset.ann_file = 'annotations/posetrack18_train.json'
    loader.dataset.data_prefix = dict(img='')
    cfg.train_cfg = dict(by_epoch=False, max_iters=args.iters,
                         val_interval=args.iters + 1)
    for key in ('val_dataloader', 'val_cfg', 'val_evaluator',
                'test_dataloader', 'test_cfg', 'test_evaluator'):
        cfg[key] = None
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint = None
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=5)
    cfg.visualizer = dict(type='PoseLocalVisualizer')
    if amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.pop('loss_scale', None)
    cfg.launcher = 'none'
    cfg.env_cfg = dict(cudnn_benchmark=True, dist_cfg=dict(backend='nccl'))
    runner = Runner.from_cfg(cfg)
    recorder = _loss_recorder()
    runner.register_hook(recorder)
    if args.device == 'cuda':
        torch.cuda.reset_peak_memory_stats()
        torch.cuda.synchronize()
    start = time.perf_counter()
    runner.train()
    if args.device == 'cuda':
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    losses = recorder.losses
    k = max(1, len(losses) // 4)
    first, last = sum(losses[:k]) / k, sum(losses[-k:]) / k
    finite = all(math.isfinite(v) for v in losses)
    return dict(
        status='ok' if finite and last < first else 'failed',
        losses=losses, loss_first=first, loss_last=last, finite=finite,
        iters_per_s=len(losses) / seconds, batch_size=args.batch_size,
        peak_gpu_memory_gib=(torch.cuda.max_memory_allocated() / 2**30
                             if args.device == 'cuda' else None))


def train(args) -> dict:
    from fami_pose_mm.synthetic import SyntheticConfig, generate_dataset
    out = dict(config=args.config, iters=args.iters)
    with tempfile.TemporaryDirectory() as tmp:
        data_root = osp.join(tmp, 'data')
        generate_dataset(data_root,
                         SyntheticConfig.from_preset('quick', seed=0),
                         workers=1)
        for amp in (False, True):
            key = 'amp' if amp else 'fp32'
            if amp and args.device != 'cuda':
                out[key] = dict(status='skipped', reason='AMP needs CUDA')
                continue
            try:
                out[key] = _train_once(args, data_root, amp,
                                       osp.join(tmp, key))
            except Exception as err:  # record it, go on with the other
                out[key] = dict(status='failed', error=repr(err),
                                traceback=traceback.format_exc()[-3000:])
    out['status'] = 'failed' if any(
        v.get('status') == 'failed' for v in out.values()
        if isinstance(v, dict)) else 'ok'
    return out


def inference(args) -> dict:
    bench = runpy.run_path(
        osp.join(ROOT, 'tools', 'analysis', 'benchmark_streaming.py'))
    size = 'synthetic' if args.dry_run else 'w48'
    argv = ['--sizes', size, '--device', args.device, '--in-process',
            '--frames', '4', '--w48-frames', '12']
    rows = bench['main'](argv)[size]
    single = rows[0]['ms_per_frame']
    return dict(size=size, rows=rows,
                ratios={r['design']: r['ms_per_frame'] / single
                        for r in rows} if 'design' in rows[0] else
                [r['ms_per_frame'] / single for r in rows])


def onnxruntime(args) -> dict:
    try:
        import onnxruntime as ort
    except ImportError:
        return dict(status='skipped', reason='onnxruntime not installed')
    providers = ort.get_available_providers()
    cuda = 'CUDAExecutionProvider' in providers
    return dict(status='ok' if cuda or args.device != 'cuda' else 'skipped',
                providers=providers,
                reason=None if cuda else 'the CPU build of onnxruntime: the '
                'GPU build (onnxruntime-gpu, over 200 MiB) does not fit the '
                'carried files')


FUNCTIONS: Dict[str, Callable[[argparse.Namespace], dict]] = dict(
    environment=environment, cuda_tests=cuda_tests,
    deform_equality=deform_equality, train=train, inference=inference,
    onnxruntime=onnxruntime)


def main(argv: Optional[List[str]] = None) -> dict:
    args = parse_args(argv)
    sys.path.insert(0, ROOT)
    import fami_pose_mm.plugin  # noqa: F401  (registers the models)
    args.device = 'cpu' if args.dry_run else 'cuda'
    args.config = DRY_CONFIG if args.dry_run else W48_CONFIG
    if args.dry_run:
        args.iters, args.batch_size = min(args.iters, 2), 2
    elif not torch.cuda.is_available():
        raise SystemExit('no CUDA device: run with --dry-run on a CPU')
    result = dict(dry_run=args.dry_run, started=time.strftime('%F %T'))
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    for step in args.steps:
        t0 = time.perf_counter()
        try:
            result[step] = FUNCTIONS[step](args)
            result[step].setdefault('status', 'ok')
        except Exception as err:
            result[step] = dict(status='failed', error=repr(err),
                                traceback=traceback.format_exc()[-3000:])
        result[step]['seconds'] = time.perf_counter() - t0
        print(f"{step}: {result[step]['status']} "
              f"({result[step]['seconds']:.0f} s)", flush=True)
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=1, default=str)
    return result


if __name__ == '__main__':
    main()
