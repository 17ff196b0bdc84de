# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Frames per second of video inference: FAMI model vs single-frame model.

Both models run through the same :class:`VideoPoseInferencer` on the same
in-memory frames (decoding is not timed) with the same person boxes, in one
process, so the numbers compare::

    python tools/analysis/benchmark_inference.py \\
        --fami-config configs/synthetic/<fami config>.py \\
        --single-config configs/synthetic/<single-frame config>.py \\
        --num-frames 20 --persons 2 --device cpu

Without ``--fami-config``/``--single-config`` configs/synthetic/ is used:
the single-frame model is the first file with ``single`` in its name, the
FAMI model the first with ``fami`` in its name, else the last other file in
name order; without such a pair, the tiny models of
``fami_pose_mm.testing`` (HRNet with 8-32 channels, 64x48 input) make a
smoke run. Weights are random unless checkpoints are given: speed only.
"""
import warnings

warnings.filterwarnings(  # mmengine imports pkg_resources: hide only that
    'ignore', message='pkg_resources is deprecated as an API',
    category=UserWarning)

import argparse
import glob
import os.path as osp
import sys
import time
from typing import List, Optional

import numpy as np
import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def tiny_configs() -> tuple:
    """(FAMI, single-frame) configs of the tiny model of
    ``fami_pose_mm.testing`` (same backbone and head, 64x48 input)."""
    from mmengine.config import Config

    from fami_pose_mm.testing import tiny_pose_config
    return (Config(tiny_pose_config((-2, -1, 1, 2))),
            Config(tiny_pose_config(multi_frame=False)))


def default_configs() -> tuple:
    """configs/synthetic/ configs if present, else the tiny ones."""
    found = sorted(glob.glob(osp.join(ROOT, 'configs', 'synthetic', '*.py')))
    single = [f for f in found if 'single' in osp.basename(f)]
    others = [f for f in found if f not in single]
    fami = [f for f in others if 'fami' in osp.basename(f)] or others[-1:]
    if fami and single:
        return fami[0], single[0]
    print('configs/synthetic/ has no multi-frame/single-frame pair: tiny '
          'models (smoke run)')
    return tiny_configs()


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Command line arguments."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--fami-config', help='multi-frame model config')
    parser.add_argument('--fami-checkpoint', help='optional weights')
    parser.add_argument('--single-config', help='single-frame model config')
    parser.add_argument('--single-checkpoint', help='optional weights')
    parser.add_argument('--num-frames', type=int, default=20)
    parser.add_argument('--size', type=int, nargs=2, default=(640, 360),
                        metavar=('W', 'H'), help='frame size')
    parser.add_argument('--persons', type=int, default=2,
                        help='person boxes per frame')
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--threads', type=int, default=None,
                        help='torch CPU threads (default: torch default)')
    return parser.parse_args(argv)


def run(inferencer, frames: list, boxes_file: str) -> float:
    """Frames per second of one full pass (after a one-frame warm-up)."""
    for _ in inferencer(frames[:1], bboxes_file=boxes_file):
        pass
    start = time.perf_counter()
    for _ in inferencer(frames, bboxes_file=boxes_file):
        pass
    return len(frames) / (time.perf_counter() - start)


def main(argv: Optional[List[str]] = None) -> dict:
    """Run both models; returns ``{'fami': fps, 'single': fps, ...}``."""
    import json
    import tempfile

    args = parse_args(argv)
    sys.path.insert(0, ROOT)
    import fami_pose_mm.plugin  # noqa: F401
    from fami_pose_mm.apis import VideoPoseInferencer
    if args.threads:
        torch.set_num_threads(args.threads)
    fami_cfg, single_cfg = args.fami_config, args.single_config
    if fami_cfg is None or single_cfg is None:
        default_fami, default_single = default_configs()
        fami_cfg, single_cfg = fami_cfg or default_fami, \
            single_cfg or default_single
    width, height = args.size
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 255, (height, width, 3), dtype=np.uint8)
              for _ in range(args.num_frames)]
    dets = [dict(frame_index=t, score=0.9,
                 bbox=[width * i / args.persons, 0, width / args.persons,
                       height]) for t in range(args.num_frames)
            for i in range(args.persons)]
    result = dict(frames=args.num_frames, persons=args.persons,
                  device=args.device, threads=torch.get_num_threads())
    with tempfile.TemporaryDirectory() as tmp:
        boxes_file = osp.join(tmp, 'boxes.json')
        with open(boxes_file, 'w') as f:
            json.dump(dets, f)
        for key, cfg, ckpt in (('fami', fami_cfg, args.fami_checkpoint),
                               ('single', single_cfg,
                                args.single_checkpoint)):
            inferencer = VideoPoseInferencer(
                cfg, ckpt, device=args.device, batch_size=args.batch_size)
            result[key] = run(inferencer, frames, boxes_file)
            result[f'{key}_frames_per_clip'] = \
                1 + len(inferencer.frame_offsets)
    print(f"| model | frames per clip | fps ({result['device']}, "
          f"{result['threads']} threads, {args.persons} persons, "
          f'{width}x{height}) |\n|---|---|---|')
    for key in ('fami', 'single'):
        print(f"| {key} | {result[f'{key}_frames_per_clip']} | "
              f'{result[key]:.2f} |')
    print(f"FAMI / single-frame speed: {result['fami'] / result['single']:.2f}")
    return result


if __name__ == '__main__':
    main(sys.argv[1:])
