# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""ONNX Runtime vs PyTorch on the CPU: frames per second of the video
inferencer for a single-frame model, FAMI ``'key'`` (clip path) and FAMI
streaming (``crop_mode='own'``).

The designs, sizes, frames and boxes are those of
``tools/analysis/benchmark_streaming.py`` (``synthetic``: 128x96 crops, a
generated 320x240 clip with 2 moving people; ``w48``: HRNet-W48 384x288
crops, 1 person). Per design the weights (random, seeded, unless
``--checkpoints`` gives the synthetic ones) are saved once, exported as
``tools/deployment/export_onnx.py`` exports them (not timed), and both
backends run the video inferencer on the same in-memory frames and boxes
file, after the same warm-up frames, one timed run each. ONNX Runtime uses as many
intra-op threads as torch (``--threads``). The table also gives the
largest keypoint difference between the backends (frame pixels)::

    python tools/analysis/benchmark_onnx.py --sizes synthetic w48 \\
        --frames 30 --w48-frames 6 --threads 1
"""
import warnings

warnings.filterwarnings(  # mmengine imports pkg_resources: hide only that
    'ignore', message='pkg_resources is deprecated as an API',
    category=UserWarning)

import argparse
import importlib.util
import os.path as osp
import sys
import tempfile
import time
from typing import Dict, List, Optional

import numpy as np
import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BACKENDS = ('pytorch', 'onnxruntime')


def _tool(*path: str):
    """The module of a script under tools/, e.g. ``('analysis',
    'benchmark_streaming.py')``."""
    name = osp.splitext(path[-1])[0]
    spec = importlib.util.spec_from_file_location(
        name, osp.join(ROOT, 'tools', *path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: tools/analysis/benchmark_streaming.py: its designs, sizes, inputs
_STREAMING = _tool('analysis', 'benchmark_streaming.py')
#: tools/deployment/export_onnx.py: builds the model and exports it
_EXPORT = _tool('deployment', 'export_onnx.py')
DESIGNS, SIZES = _STREAMING.DESIGNS, _STREAMING.SIZES


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
    parser.add_argument('--threads', type=int, default=None,
                        help='CPU threads of torch and ONNX Runtime '
                        '(default: torch default)')
    return parser.parse_args(argv)


def seeded_checkpoint(cfg, path: str) -> str:
    """Random weights of ``cfg.model`` (seed 0) saved to ``path``."""
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS
    init_default_scope('mmpose')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)
    return path


def timed_run(cfg, weights: str, backend: str, inputs: dict,
              warmup: int) -> tuple:
    """Frames per second of one run, and the keypoints (per frame)."""
    from fami_pose_mm.apis import VideoPoseInferencer
    inferencer = VideoPoseInferencer(cfg, weights, device='cpu',
                                     backend=backend)
    frames = list(np.load(inputs['frames']))
    if warmup:
        with warnings.catch_warnings():  # boxes of frames not in the warm-up
            warnings.simplefilter('ignore')
            for _ in inferencer(frames[:warmup], bboxes_file=inputs['boxes']):
                pass
    start = time.perf_counter()
    keypoints = [
        result['predictions'][0].pred_instances.keypoints
        for result in inferencer(frames, bboxes_file=inputs['boxes'],
                                 return_datasamples=True)
    ]
    return len(frames) / (time.perf_counter() - start), keypoints


def measure(size: str, design: int, inputs: dict, checkpoint: Optional[str],
            tmp: str) -> dict:
    """Export one design of one size, then time both backends."""
    from mmengine.config import Config
    configs, options, _, _, warmup = SIZES[size]
    cfg = Config.fromfile(osp.join(ROOT, configs[design]))
    cfg.merge_from_dict(options[design])
    name = f'{size}_{design}'
    if checkpoint is None:
        checkpoint = seeded_checkpoint(cfg, osp.join(tmp, f'{name}.pth'))
    start = time.perf_counter()
    out_dir = osp.join(tmp, f'{name}_onnx')
    info = _EXPORT.export_checkpoint(cfg, checkpoint, out_dir)
    row = dict(export_seconds=time.perf_counter() - start,
               graphs=list(info['graphs']), frames=0)
    keypoints = {}
    for backend in BACKENDS:
        weights = checkpoint if backend == 'pytorch' else out_dir
        row[f'{backend}_fps'], keypoints[backend] = timed_run(
            cfg, weights, backend, inputs, warmup)
    row['frames'] = len(keypoints['pytorch'])
    row['ratio'] = row['onnxruntime_fps'] / row['pytorch_fps']
    row['max_keypoint_diff'] = max(
        float(np.abs(a - b).max()) if a.size else 0.0
        for a, b in zip(keypoints['pytorch'], keypoints['onnxruntime']))
    return row


def table(results: Dict[str, List[dict]]) -> str:
    """Markdown table of all rows."""
    lines = [
        '| size | design | ONNX graphs | PyTorch fps | ONNX Runtime fps | '
        'ONNX Runtime / PyTorch | max keypoint diff (px) |',
        '|---|---|---|---|---|---|---|'
    ]
    for size, rows in results.items():
        for design, row in zip(DESIGNS, rows):
            lines.append(
                f"| {size} | {design} | {' + '.join(row['graphs'])} | "
                f"{row['pytorch_fps']:.2f} | {row['onnxruntime_fps']:.2f} | "
                f"{row['ratio']:.2f} | {row['max_keypoint_diff']:.1e} |")
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> Dict[str, List[dict]]:
    """Run every design of every size; print and return the rows."""
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    import fami_pose_mm.plugin  # noqa: F401  (registers the models)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            num = args.frames if size == 'synthetic' else args.w48_frames
            inputs = _STREAMING.write_inputs(tmp, size, num)
            checkpoints = (args.checkpoints if size == 'synthetic'
                           and args.checkpoints else (None, ) * 3)
            results[size] = []
            for design, ckpt in enumerate(checkpoints):
                row = measure(size, design, inputs, ckpt, tmp)
                results[size].append(row)
                print(f'{size}: {DESIGNS[design]} done (PyTorch '
                      f"{row['pytorch_fps']:.2f} fps, ONNX Runtime "
                      f"{row['onnxruntime_fps']:.2f} fps)", flush=True)
    import onnxruntime
    print(f'\nCPU, {torch.get_num_threads()} thread(s) (torch and ONNX '
          f'Runtime {onnxruntime.__version__}); synthetic: {args.frames} '
          f'frames 320x240, 2 persons; w48: {args.w48_frames} frames '
          '320x240, 1 person; one timed run each; random weights unless '
          '--checkpoints\n')
    print(table(results))
    return results


if __name__ == '__main__':
    main(sys.argv[1:])
