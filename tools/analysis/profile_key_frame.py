# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Where the time of a streaming key frame goes, module by module, on
PyTorch and on ONNX Runtime.

A streaming (``crop_mode='own'``) model runs its backbone once per
person-frame; per key frame it resamples the T cached features into the
key crop's grid, runs the neck (GTM, LCM, fusion, gate) and the head, and
with the flip test does all of that a second time on the flipped
features. This script times those parts on the same inputs
(``B`` persons, T cached features, random weights: speed only):

* PyTorch: the key-frame graph (``NeckHeadGraph``: resampling, neck,
  head) called twice (the flip test), with forward hooks timing GTM's
  theta net (encoder + MLP) and warp, LCM's offset and mask predictors
  and deformable convolutions, the head; fusion + gate is the neck minus
  GTM and LCM. Beside it, the backbone on the B crops and their flips (what a
  single-frame model runs per frame), and the whole
  ``predict_from_features`` (graph twice + decoding).
* ONNX Runtime: the exported ``neck_head.onnx`` (``tools/deployment/
  export_onnx.py``) with ONNX Runtime's profiler, node times grouped by the
  module in the node's name, and by operator type.

Sizes: ``synthetic`` (``configs/synthetic/e_fami_own.py``, 128x96 crops)
and ``w48`` (``configs/fami_hrnet_w48_posetrack18.py`` with
``model.crop_mode='own'``, 384x288)::

    python tools/analysis/profile_key_frame.py --sizes synthetic w48 \\
        --persons 2 --repeats 20 [--threads 2] [--out profile.json]
"""
import warnings

warnings.filterwarnings(  # mmengine imports pkg_resources: hide only that
    'ignore', message='pkg_resources is deprecated as an API',
    category=UserWarning)

import argparse
import importlib.util
import json
import os.path as osp
import tempfile
import time
from collections import OrderedDict, defaultdict
from typing import Dict, List, Optional

import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: size -> (config, cfg options, default repeats)
SIZES = {
    'synthetic': ('configs/synthetic/e_fami_own.py', {}, 50),
    'w48': ('configs/fami_hrnet_w48_posetrack18.py',
            {'model.crop_mode': 'own'}, 3),
}
#: The parts, in the order of the tables. Each is a module path prefix of
#: the model (PyTorch hooks, ONNX node names), or computed.
PARTS = OrderedDict([
    ('resampling', None),  # outside the neck and head modules
    ('GTM theta net', ('neck.gtm.encoder', 'neck.gtm.mlp')),
    ('GTM warp', ('neck.gtm', )),
    # LocalCalibrationModule.predict_offsets_masks (PyTorch), the Conv
    # nodes of neck.lcm outside its deformable convs (ONNX)
    ('LCM offset/mask predictors', ()),
    ('LCM deformable conv', ('neck.lcm.dcns', )),
    ('LCM other', ('neck.lcm', )),
    ('fusion + gate', ('neck', )),
    ('head', ('head', )),
])


def _tool(*path: str):
    """A script of tools/ as a module."""
    spec = importlib.util.spec_from_file_location(
        path[-1][:-3], osp.join(ROOT, 'tools', *path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Command line arguments."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--sizes', nargs='+', default=['synthetic', 'w48'],
                        choices=sorted(SIZES))
    parser.add_argument('--persons', type=int, default=2,
                        help='persons per key frame (B)')
    parser.add_argument('--repeats', type=int, default=None,
                        help='timed key frames (default per size)')
    parser.add_argument('--threads', type=int, default=None)
    parser.add_argument('--no-onnx', action='store_true')
    parser.add_argument('--out', help='write the numbers as JSON')
    return parser.parse_args(argv)


def part_of(name: str) -> str:
    """The part of :data:`PARTS` a module (dotted path) or ONNX node name
    (``/neck/gtm/encoder/...``) belongs to: the first part whose prefix
    it has; ``'resampling'`` outside the neck and head."""
    path = name.strip('/').replace('/', '.')
    for part, prefixes in PARTS.items():
        if prefixes and any(path == p or path.startswith(p + '.')
                            for p in prefixes):
            return part
    return 'resampling'


class ModuleTimer:
    """Exclusive wall time per part, from forward hooks on the modules
    that start a part (a part's time excludes the parts nested in it)."""

    def __init__(self, model: torch.nn.Module) -> None:
        self.times: Dict[str, float] = defaultdict(float)
        self._stack: List[list] = []
        self._handles = []
        starts = {p for prefixes in PARTS.values() if prefixes
                  for p in prefixes}
        for name, module in model.named_modules():
            if name in starts or any(
                    name.startswith(s + '.') and name.count('.') ==
                    s.count('.') + 1 and s.endswith('dcns')
                    for s in starts):
                self._handles += [
                    module.register_forward_pre_hook(self._enter(name)),
                    module.register_forward_hook(self._leave)]
        lcm = getattr(model.neck, 'lcm', None)
        self._lcm = lcm
        if lcm is not None:
            method = lcm.predict_offsets_masks
            enter = self._enter('LCM offset/mask predictors', named=False)

            def timed(*args, **kwargs):
                enter(None, None)
                try:
                    return method(*args, **kwargs)
                finally:
                    self._leave(None, None, None)
            lcm.predict_offsets_masks = timed

    def _enter(self, name: str, named: bool = True):
        def hook(module, args):
            now = time.perf_counter()
            if self._stack:  # pause the enclosing part
                outer = self._stack[-1]
                self.times[outer[0]] += now - outer[1]
            self._stack.append([part_of(name) if named else name, now])
        return hook

    def _leave(self, module, args, output):
        now = time.perf_counter()
        part, since = self._stack.pop()
        self.times[part] += now - since
        if self._stack:
            self._stack[-1][1] = now

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()
        if self._lcm is not None:
            del self._lcm.predict_offsets_masks


def _build(size: str):
    """Model (random weights, seed 0), config, example inputs."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS

    import fami_pose_mm.plugin  # noqa: F401  (registers the models)
    config, options, _ = SIZES[size]
    cfg = Config.fromfile(osp.join(ROOT, config))
    cfg.merge_from_dict(options)
    init_default_scope('mmpose')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).eval()
    return model, cfg


def profile_pytorch(model, cfg, persons: int, repeats: int) -> dict:
    """Seconds per key frame of each part (both flip passes), of the
    backbone on the crops, and of ``predict_from_features``."""
    from fami_pose_mm.deployment.graphs import NeckHeadGraph, example_inputs
    from fami_pose_mm.models.utils.crop_resample import resample_to_key
    width, height = cfg.codec['input_size']
    num_frames = model.neck.num_frames
    crops = torch.randn(2 * persons, 3, height, width)
    with torch.no_grad():
        feat = model.frame_features(crops[:1])
    feats, affines = example_inputs('streaming', persons, num_frames,
                                    (width, height),
                                    tuple(feat.shape[1:]))['neck_head']
    graph = NeckHeadGraph(model).eval()
    timer = ModuleTimer(model)
    out = OrderedDict()
    with torch.no_grad():
        for _ in range(2):  # warm-up
            graph(feats, affines)
        timer.times.clear()
        start = time.perf_counter()
        resample = 0.0
        for _ in range(2 * repeats):  # the flip test: two passes
            t0 = time.perf_counter()
            resampled = resample_to_key(feats, affines)
            resample += time.perf_counter() - t0
            fused = model.neck(resampled)['fused']
            model.head((fused, ))
        total = time.perf_counter() - start
        timer.remove()
        for part in PARTS:
            out[part] = (resample if part == 'resampling' else
                         timer.times.get(part, 0.0)) / repeats
        out['key-frame graph (both passes)'] = total / repeats
        t0 = time.perf_counter()
        for _ in range(repeats):
            model.frame_features(crops)
        out['backbone on the crops (B persons, flipped too)'] = (
            time.perf_counter() - t0) / repeats
    return out


def profile_onnxruntime(model, cfg, persons: int, repeats: int,
                        tmp: str) -> dict:
    """Seconds per key frame (both passes) of each part in ONNX Runtime's
    profile of ``neck_head.onnx``, and the five costliest operator types."""
    import onnxruntime as ort
    from fami_pose_mm.deployment.graphs import example_inputs
    export = _tool('deployment', 'export_onnx.py')
    weights = osp.join(tmp, 'weights.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), weights)
    out_dir = osp.join(tmp, 'onnx')
    export.export_checkpoint(cfg, weights, out_dir)
    width, height = cfg.codec['input_size']
    with torch.no_grad():
        feat = model.frame_features(torch.randn(1, 3, height, width))
    feats, affines = example_inputs('streaming', persons,
                                    model.neck.num_frames, (width, height),
                                    tuple(feat.shape[1:]))['neck_head']
    options = ort.SessionOptions()
    if torch.get_num_threads():
        options.intra_op_num_threads = torch.get_num_threads()
    session = ort.InferenceSession(osp.join(out_dir, 'neck_head.onnx'),
                                   options, providers=['CPUExecutionProvider'])
    names = [i.name for i in session.get_inputs()]
    feed = dict(zip(names, (feats.numpy(), affines.numpy())))
    for _ in range(2):
        session.run(None, feed)
    options.enable_profiling = True
    options.profile_file_prefix = osp.join(tmp, 'ort_profile')
    session = ort.InferenceSession(osp.join(out_dir, 'neck_head.onnx'),
                                   options, providers=['CPUExecutionProvider'])
    start = time.perf_counter()
    for _ in range(2 * repeats):
        session.run(None, feed)
    total = time.perf_counter() - start
    with open(session.end_profiling()) as f:
        events = json.load(f)
    # The head is called through its forward (not as a module), so its
    # nodes are named by its children; fused nodes are 'fused <name>'.
    head_children = tuple(f'{n}.' for n, _ in model.head.named_children())
    parts, ops = defaultdict(float), defaultdict(float)
    for event in events:
        if event.get('cat') != 'Node' or not event['name'].endswith(
                '_kernel_time'):
            continue
        seconds = event['dur'] * 1e-6
        node = event['name'][:-len('_kernel_time')]
        node = node[len('fused '):] if node.startswith('fused ') else node
        node = node.strip('/').replace('/', '.')
        if node.startswith(head_children):
            node = 'head.' + node
        part = part_of(node)
        if part == 'LCM other' and event['args'].get('op_name') == 'Conv':
            part = 'LCM offset/mask predictors'
        parts[part] += seconds
        ops[event['args'].get('op_name', '?')] += seconds
    out = OrderedDict((p, parts.get(p, 0.0) / repeats) for p in PARTS)
    out['key-frame graph (both passes)'] = total / repeats
    top = sorted(ops.items(), key=lambda kv: -kv[1])[:5]
    out['operators'] = OrderedDict((k, v / repeats) for k, v in top)
    return out


def table(size: str, torch_row: dict, ort_row: Optional[dict]) -> str:
    """Markdown table of one size: ms per key frame and share of the
    key-frame graph."""
    lines = [f'| {size}: part | PyTorch ms | share | ONNX Runtime ms | '
             'share |', '|---|---|---|---|---|']
    keys = list(PARTS) + ['key-frame graph (both passes)']
    for key in keys:
        cells = [f'{1e3 * torch_row[key]:.2f}',
                 f"{100 * torch_row[key] / torch_row[keys[-1]]:.0f} %"]
        if ort_row is not None:
            cells += [f'{1e3 * ort_row[key]:.2f}',
                      f"{100 * ort_row[key] / ort_row[keys[-1]]:.0f} %"]
        else:
            cells += ['-', '-']
        lines.append(f'| {key} | ' + ' | '.join(cells) + ' |')
    backbone = torch_row['backbone on the crops (B persons, flipped too)']
    lines.append(f'| backbone on the crops (B persons, flipped too) | '
                 f'{1e3 * backbone:.2f} | - | - | - |')
    if ort_row is not None:
        lines.append('\nONNX Runtime operators (ms per key frame): ' +
                     ', '.join(f'{k} {1e3 * v:.2f}'
                               for k, v in ort_row['operators'].items()))
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> dict:
    """Profile every size; print the tables, return the numbers."""
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    results = {}
    for size in args.sizes:
        model, cfg = _build(size)
        repeats = args.repeats or SIZES[size][2]
        torch_row = profile_pytorch(model, cfg, args.persons, repeats)
        ort_row = None
        if not args.no_onnx:
            with tempfile.TemporaryDirectory() as tmp:
                ort_row = profile_onnxruntime(model, cfg, args.persons,
                                              repeats, tmp)
        results[size] = dict(pytorch=torch_row, onnxruntime=ort_row)
        print(table(size, torch_row, ort_row) + '\n', flush=True)
    print(f'CPU, {torch.get_num_threads()} thread(s), {args.persons} '
          'persons per key frame, random weights; per key frame: both '
          'flip-test passes of the key-frame graph')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=2)
    return results


if __name__ == '__main__':
    main()
