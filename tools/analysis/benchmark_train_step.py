# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Training cost of a drop-in video model against its single-frame model.

For each drop-in config (``configs/drop_in/``): the single-frame model of
its ``_base_`` and the video model, random weights, the same random batch
of ``--batch-size`` persons at the codec's input size; one training step
each (forward, backward, Adam update), alternated ``--steps`` times after
one warm-up step, so that a busy machine slows both alike. Reports
milliseconds per step, the ratio video / single frame (the time per epoch
ratio: both see one sample per person-frame), and the trainable and frozen
parameters of the video model::

    python tools/analysis/benchmark_train_step.py --threads 2
"""
import warnings

warnings.filterwarnings(  # mmengine imports pkg_resources: hide only that
    'ignore', message='pkg_resources is deprecated as an API',
    category=UserWarning)

import argparse
import copy
import glob
import os.path as osp
import time
from typing import Dict, List, Optional

import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--configs', nargs='+',
        default=sorted(glob.glob(osp.join(ROOT, 'configs', 'drop_in',
                                          '*.py'))))
    parser.add_argument('--batch-size', type=int, default=4)
    parser.add_argument('--steps', type=int, default=3)
    parser.add_argument('--threads', type=int, default=None)
    return parser.parse_args(argv)


def _batch(model, num_frames: int, batch_size: int, input_size, codec):
    """A random (B, T, 3, H, W) batch with heatmap targets, as packed."""
    from mmengine.structures import InstanceData, PixelData
    from mmpose.structures import PoseDataSample
    w, h = input_size
    hw, hh = codec['heatmap_size']
    k = model.head.out_channels
    samples = []
    for _ in range(batch_size):
        s = PoseDataSample(metainfo=dict(input_size=(w, h)))
        s.gt_fields = PixelData(heatmaps=torch.rand(k, hh, hw))
        s.gt_instance_labels = InstanceData(keypoint_weights=torch.ones(1, k))
        samples.append(s)
    clips = torch.randint(0, 255, (batch_size, num_frames, 3, h, w),
                          dtype=torch.uint8)
    return clips, samples


def _step_ms(model, inputs, samples) -> float:
    """One training step (forward, backward, update) in milliseconds."""
    from mmengine.optim import OptimWrapper
    if not hasattr(model, '_bench_optim'):
        model._bench_optim = OptimWrapper(torch.optim.Adam(
            [p for p in model.parameters() if p.requires_grad], lr=1e-5))
    data = dict(inputs=list(inputs), data_samples=copy.deepcopy(samples))
    start = time.perf_counter()
    model.train_step(data, model._bench_optim)
    return (time.perf_counter() - start) * 1000


def measure(config: str, batch_size: int, steps: int) -> Dict:
    """Milliseconds per training step of the single-frame and video model."""
    from mmengine.config import Config
    from mmpose.registry import MODELS
    cfg = Config.fromfile(config)
    video = copy.deepcopy(cfg.model)
    for part in ('backbone', 'head', 'mi_predictor'):
        if part in video:
            video[part]['init_cfg'] = None
    single = copy.deepcopy(Config.fromfile(single_frame_config(config)).model)
    single['backbone']['init_cfg'] = None
    torch.manual_seed(0)
    models = dict(single=MODELS.build(single), video=MODELS.build(video))
    t = 1 + len(cfg.frame_offsets)
    clips, samples = _batch(models['video'], t, batch_size,
                            cfg.codec['input_size'], cfg.codec)
    inputs = dict(single=clips[:, 0], video=clips)
    times = {name: [] for name in models}
    for i in range(steps + 1):  # the first round warms up
        for name, model in models.items():
            model.train()
            ms = _step_ms(model, inputs[name], samples)
            if i:
                times[name].append(ms)
    video_model = models['video']
    return dict(
        config=osp.relpath(config, ROOT),
        single_ms=sum(times['single']) / steps,
        video_ms=sum(times['video']) / steps,
        trainable=sum(p.numel() for p in video_model.parameters()
                      if p.requires_grad) / 1e6,
        frozen=sum(p.numel() for p in video_model.parameters()
                   if not p.requires_grad) / 1e6)


def single_frame_config(config: str) -> str:
    """The single-frame config a video config wraps: the first ``_base_``,
    followed through video configs (e.g. a variant of a drop-in config)."""
    from mmengine.config import Config

    def is_video(path: str) -> bool:
        return Config.fromfile(path).model.type == 'VideoTopdownPoseEstimator'

    if not is_video(config):
        raise ValueError(f'{config} is not a video config (model.type '
                         'VideoTopdownPoseEstimator): it wraps no single-frame '
                         'config')
    path = config
    while True:
        bases = Config._get_base_files(path)
        if not bases:
            raise ValueError(f'{config}: no single-frame config among its '
                             f'first _base_ entries (last: {path})')
        path = _base_path(bases[0], path)
        if not is_video(path):
            return path


def _base_path(base: str, config: str) -> str:
    """The file a ``_base_`` entry of ``config`` names: ``mmpose::...`` in
    mmpose's package, a relative path next to ``config``."""
    from mmengine.utils import get_installed_path
    if base.startswith('mmpose::'):
        return osp.join(get_installed_path('mmpose'), '.mim', 'configs',
                        base[len('mmpose::'):])
    return osp.normpath(osp.join(osp.dirname(osp.abspath(config)), base))


def main(argv: Optional[List[str]] = None) -> List[Dict]:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    from mmengine.registry import init_default_scope
    import fami_pose_mm.plugin  # noqa: F401  (registers)
    init_default_scope('mmpose')
    rows = [measure(c, args.batch_size, args.steps) for c in args.configs]
    print('| drop-in config | single frame ms/step | video ms/step | '
          'ratio | trainable M | frozen M |\n|---|---|---|---|---|---|')
    for r in rows:
        print(f"| {r['config']} | {r['single_ms']:.0f} | {r['video_ms']:.0f}"
              f" | {r['video_ms'] / r['single_ms']:.2f} | "
              f"{r['trainable']:.1f} | {r['frozen']:.1f} |")
    print(f'\nbatch {args.batch_size} persons, {args.steps} steps each after '
          f'one warm-up, CPU, {torch.get_num_threads()} thread(s)')
    return rows


if __name__ == '__main__':
    main()
