# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Streaming FAMI vs the clip path vs a single-frame model: speed, backbone
crops, memory and MACs per frame.

Three designs run through :class:`VideoPoseInferencer` on the same
in-memory frames and boxes (decoding is not timed):

* ``single frame``: a single-frame top-down model of the same backbone;
* ``FAMI 'key'``: the clip path, every frame of a clip cropped with the
  key frame's box (T crops per person and key frame);
* ``FAMI streaming``: a ``crop_mode='own'`` model, each person-frame
  through the backbone once, its feature reused by every window.

Two sizes: ``synthetic`` (``configs/synthetic/a_single_frame.py``,
``d_fami.py`` and ``e_fami_own.py``, 128x96 crops; a generated clip of
``--frames`` 320x240 frames with 2 moving people) and ``w48``
(``configs/ablation/hrnet_w48_single-frame_posetrack17.py``,
``configs/fami_hrnet_w48_posetrack18.py`` and the same with
``model.crop_mode='own'``, 384x288 crops; ``--w48-frames`` frames with 1
person). Weights are random unless ``--checkpoints`` gives the synthetic
ones: speed only. Each row runs in a fresh process: the peak memory is the
rise of the resident set over the timed run (``VmHWM`` of
``/proc/self/status``, reset through ``/proc/self/clear_refs`` before the
run, minus the resident set then), so rows do not inherit each other's
allocator pools. MACs per frame are mmengine's ``FlopAnalyzer`` counts
("flops", one multiply-accumulate each) of one person's forward (both
passes with flip test) times the persons per frame; streaming counts the
backbone on one crop plus the neck and head on T cached features (the
resampling into the key crop's grid is a ``grid_sample``, not counted)::

    python tools/analysis/benchmark_streaming.py --sizes synthetic w48 \\
        --frames 30 --w48-frames 6
"""
import warnings

warnings.filterwarnings(  # mmengine imports pkg_resources: hide only that
    'ignore', message='pkg_resources is deprecated as an API',
    category=UserWarning)

import argparse
import copy
import gc
import json
import os.path as osp
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Optional

import numpy as np
import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DESIGNS = ('single frame', "FAMI 'key' (clip path)", 'FAMI streaming')
#: size -> (configs of the three designs, cfg options of each, frame size,
#: persons per frame, warm-up frames)
SIZES = {
    'synthetic': (('configs/synthetic/a_single_frame.py',
                   'configs/synthetic/d_fami.py',
                   'configs/synthetic/e_fami_own.py'), ({}, {}, {}),
                  (320, 240), 2, 2),
    'w48': (('configs/ablation/hrnet_w48_single-frame_posetrack17.py',
             'configs/fami_hrnet_w48_posetrack18.py',
             'configs/fami_hrnet_w48_posetrack18.py'),
            ({}, {}, {'model.crop_mode': 'own'}), (320, 240), 1, 0),
}


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Command line arguments."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--sizes', nargs='+', default=['synthetic', 'w48'],
                        choices=sorted(SIZES))
    parser.add_argument('--frames', type=int, default=30,
                        help='frames of the synthetic clip')
    parser.add_argument('--w48-frames', type=int, default=6)
    parser.add_argument('--checkpoints', nargs=3, metavar=('A', 'D', 'E'),
                        help='weights of the three synthetic configs')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--threads', type=int, default=None,
                        help='torch CPU threads (default: torch default)')
    parser.add_argument('--in-process', action='store_true',
                        help='run the rows in this process (memory then '
                        'shares the allocator between rows)')
    parser.add_argument('--row', help=argparse.SUPPRESS)  # child process
    return parser.parse_args(argv)


def people_clip(num_frames: int, size: tuple, persons: int) -> tuple:
    """Frames (T, H, W, 3) uint8 of ``persons`` coloured blocks walking on
    noise, and their boxes (T, P, 4) ``x1, y1, x2, y2``."""
    rng = np.random.default_rng(0)
    width, height = size
    frames = rng.integers(0, 60, (num_frames, height, width, 3), np.uint8)
    boxes = np.zeros((num_frames, persons, 4), np.float32)
    for t in range(num_frames):
        for p in range(persons):
            x = min(20 + 3 * t + 150 * p, width - 51)
            boxes[t, p] = (x, 40 + 20 * p, x + 50, 160 + 20 * p)
            x1, y1, x2, y2 = boxes[t, p].astype(int)
            frames[t, y1:y2, x1:x2] = (40 + 180 * p, 120, 230 - 180 * p)
    return frames, boxes


def write_inputs(tmp: str, size_name: str, num_frames: int) -> dict:
    """Frames (``.npy``) and boxes file of one size, in ``tmp``."""
    _, _, size, persons, _ = SIZES[size_name]
    frames, boxes = people_clip(num_frames, size, persons)
    frames_path = osp.join(tmp, f'{size_name}_frames.npy')
    np.save(frames_path, frames)
    dets = [dict(frame_index=t, score=0.9, category_id=1,
                 bbox=[float(x1), float(y1), float(x2 - x1), float(y2 - y1)])
            for t, people in enumerate(boxes)
            for x1, y1, x2, y2 in people]
    boxes_path = osp.join(tmp, f'{size_name}_boxes.json')
    with open(boxes_path, 'w') as f:
        json.dump(dets, f)
    return dict(frames=frames_path, boxes=boxes_path, persons=persons)


def _status_kib(key: str) -> int:
    """A ``kB`` line of ``/proc/self/status`` (0 where there is none)."""
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith(key + ':'):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _reset_peak() -> bool:
    """Reset the peak resident set (``VmHWM``) to the current one."""
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
        return True
    except OSError:
        return False


def macs_per_person(model_cfg, design: int, input_size: tuple,
                    num_frames: int) -> float:
    """MACs of one person's forward in ``design`` (both passes with flip
    test), by mmengine's ``FlopAnalyzer``."""
    from mmengine.analysis import FlopAnalyzer
    from mmpose.registry import MODELS

    from fami_pose_mm.deployment.graphs import BackboneGraph
    sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis'))
    from model_complexity import TensorForward, deform_conv_flop

    cfg = copy.deepcopy(model_cfg)
    if cfg.get('neck', {}).get('lcm'):
        cfg.neck.lcm.backend = 'torchvision'  # a traceable op
    model = MODELS.build(cfg).eval()
    width, height = input_size

    def count(module, x) -> int:
        with torch.no_grad():
            analyzer = FlopAnalyzer(module, (x, ))
            analyzer.set_op_handle('torchvision::deform_conv2d',
                                   deform_conv_flop)
            analyzer.unsupported_ops_warnings(False)
            analyzer.uncalled_modules_warnings(False)
            return analyzer.total()

    torch.manual_seed(0)
    crop = torch.randn(1, 3, height, width)
    if design == 0:
        macs = count(TensorForward(model), crop)
    elif design == 1:
        macs = count(TensorForward(model),
                     crop[:, None].expand(-1, num_frames, -1, -1, -1))
    else:
        per_frame = BackboneGraph(model)  # model.frame_features
        macs = count(per_frame, crop)
        with torch.no_grad():
            feat = per_frame(crop)
        feats = feat[:, None].expand(-1, num_frames, -1, -1, -1)
        macs += count(_NeckHead(model), feats.contiguous())
    flip = 2 if cfg.get('test_cfg', {}).get('flip_test') else 1
    return float(macs * flip)


class _NeckHead(torch.nn.Module):
    """``forward(feats (1, T, C, h, w))``: neck and head, no backbone."""

    def __init__(self, model) -> None:
        super().__init__()
        self.model = model

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        fused = self.model.neck(feats)['fused']
        return self.model.head.forward((fused, ))


def measure_row(spec: dict) -> dict:
    """One design on one size: time, crops, memory and MACs per frame.

    Args:
        spec (dict): ``config``, ``cfg_options``, ``checkpoint``,
            ``design`` (0, 1, 2: the order of :data:`DESIGNS`),
            ``frames`` (``.npy``), ``boxes`` (boxes file), ``persons``,
            ``warmup`` (frames), ``device``.

    Returns:
        dict: ``ms_per_frame``, ``crops_per_person_frame``, ``peak_mib``,
        ``macs_per_frame``, ``streaming``, ``frames``.
    """
    from mmengine.config import Config

    import fami_pose_mm.plugin  # noqa: F401
    from fami_pose_mm.apis import VideoPoseInferencer
    cfg = Config.fromfile(osp.join(ROOT, spec['config']))
    cfg.merge_from_dict(spec['cfg_options'])
    inferencer = VideoPoseInferencer(cfg, spec['checkpoint'],
                                     device=spec['device'])
    frames = list(np.load(spec['frames']))
    if spec['warmup']:
        for _ in inferencer(frames[:spec['warmup']],
                            bboxes_file=spec['boxes']):
            pass
    gc.collect()
    rss = _status_kib('VmRSS')
    exact_peak = _reset_peak()
    start = time.perf_counter()
    for _ in inferencer(frames, bboxes_file=spec['boxes']):
        pass
    seconds = time.perf_counter() - start
    peak = _status_kib('VmHWM') if exact_peak else 0
    stats = inferencer.stats
    model = inferencer.model
    num_frames = 1 + len(inferencer.frame_offsets)
    macs = macs_per_person(cfg.model, spec['design'],
                           cfg.model.head.decoder.input_size, num_frames)
    del model, inferencer
    return dict(
        ms_per_frame=1000 * seconds / len(frames),
        crops_per_person_frame=stats['backbone_crops'] /
        max(1, stats['person_frames']),
        peak_mib=max(0, peak - rss) / 1024 if exact_peak else float('nan'),
        macs_per_frame=macs * spec['persons'],
        streaming=stats['streaming'], frames=len(frames))


def run_row(spec: dict, in_process: bool, threads: Optional[int]) -> dict:
    """:func:`measure_row` here or in a fresh Python process."""
    if in_process:
        return measure_row(spec)
    cmd = [sys.executable, osp.abspath(__file__), '--row', json.dumps(spec)]
    if threads:
        cmd += ['--threads', str(threads)]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        raise RuntimeError(f'row {spec["config"]} failed:\n{out.stderr}')
    return json.loads(out.stdout.strip().splitlines()[-1])


def table(results: Dict[str, List[dict]]) -> str:
    """The Markdown table of all rows, ratios to the size's single frame."""
    lines = [
        '| size | design | ms / frame | x single | backbone crops / '
        'person-frame | peak memory (MiB) | x single | GMACs / frame | '
        'x single |', '|---|---|---|---|---|---|---|---|---|'
    ]
    for size, rows in results.items():
        one = rows[0]
        for design, row in zip(DESIGNS, rows):
            lines.append(
                f"| {size} | {design} | {row['ms_per_frame']:.1f} | "
                f"{row['ms_per_frame'] / one['ms_per_frame']:.2f} | "
                f"{row['crops_per_person_frame']:.0f} | "
                f"{row['peak_mib']:.1f} | "
                f"{row['peak_mib'] / max(one['peak_mib'], 1e-9):.2f} | "
                f"{row['macs_per_frame'] / 1e9:.2f} | "
                f"{row['macs_per_frame'] / one['macs_per_frame']:.2f} |")
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> Dict[str, List[dict]]:
    """Run every design on every size; print and return the rows."""
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    sys.path.insert(0, ROOT)
    if args.row:
        print(json.dumps(measure_row(json.loads(args.row))))
        return {}
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            configs, options, _, persons, warmup = SIZES[size]
            num = args.frames if size == 'synthetic' else args.w48_frames
            inputs = write_inputs(tmp, size, num)
            checkpoints = (args.checkpoints if size == 'synthetic'
                           and args.checkpoints else (None, ) * 3)
            results[size] = []
            for design, (config, opts, ckpt) in enumerate(
                    zip(configs, options, checkpoints)):
                spec = dict(config=config, cfg_options=opts,
                            checkpoint=ckpt, design=design,
                            device=args.device, warmup=warmup, **inputs)
                row = run_row(spec, args.in_process, args.threads)
                results[size].append(row)
                print(f'{size}: {DESIGNS[design]} done '
                      f"({row['ms_per_frame']:.1f} ms / frame)", flush=True)
    print(f'\n{args.device}, {args.threads or torch.get_num_threads()} '
          'torch thread(s); synthetic: '
          f'{args.frames} frames 320x240, 2 persons; w48: {args.w48_frames} '
          'frames 320x240, 1 person; random weights unless --checkpoints\n')
    print(table(results))
    return results


if __name__ == '__main__':
    main(sys.argv[1:])
