# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Parameters, FLOPs and CPU time per key frame: FAMI-Pose vs single frame.

Builds the FAMI model of a config (no pretrained download) and the
single-frame baseline made of the same backbone and head (mmpose's
``TopdownPoseEstimator``, backbone frozen like the FAMI one when the config
freezes it), then reports for both: parameters (total and
trainable), multiply-accumulates of one forward (mmengine's
``FlopAnalyzer``, fvcore convention: one "flop" = one MAC), and the mean CPU
forward time per key frame, plus the FAMI / single-frame ratios.

Example::

    python tools/analysis/model_complexity.py \
        configs/fami_hrnet_w48_posetrack18.py --input-size 384 288 --repeats 3
"""
import warnings

warnings.filterwarnings(  # mmengine imports pkg_resources: hide only that
    'ignore', message='pkg_resources is deprecated as an API',
    category=UserWarning)

import argparse
import time
from typing import Any, List

import torch
import torch.nn as nn
from mmengine.analysis import FlopAnalyzer, parameter_count
from mmengine.analysis.jit_handles import get_shape
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', nargs='?',
                        default='configs/fami_hrnet_w48_posetrack18.py')
    parser.add_argument('--input-size', type=int, nargs=2, default=(384, 288),
                        metavar=('H', 'W'), help='crop size (default 384 288)')
    parser.add_argument('--repeats', type=int, default=3,
                        help='timed forwards per model (0: skip timing)')
    parser.add_argument('--threads', type=int, default=0,
                        help='torch CPU threads (0: keep the default)')
    return parser.parse_args()


def deform_conv_flop(inputs: List[Any], outputs: List[Any]) -> int:
    """MACs of torchvision::deform_conv2d: out elements x C_in/g x k x k
    (bilinear sampling and modulation not counted, as for mmcv's DCN)."""
    weight = get_shape(inputs[1])  # (C_out, C_in / groups, kh, kw)
    out = get_shape(outputs[0])
    numel = 1
    for s in out:
        numel *= s
    return numel * weight[1] * weight[2] * weight[3]


class TensorForward(nn.Module):
    """Expose ``model(inputs, None, mode='tensor')`` as ``forward(x)``."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x, None, mode='tensor')


def build_models(cfg: Config):
    """FAMI model from the config and the single-frame baseline."""
    cfg.model.backbone.init_cfg = None
    if cfg.model.get('neck', {}).get('lcm'):
        cfg.model.neck.lcm.backend = 'torchvision'  # traceable op for FLOPs
    fami = MODELS.build(cfg.model).eval()
    backbone = dict(cfg.model.backbone)
    if cfg.model.get('freeze_backbone'):  # same trainable part as the ablation
        backbone.update(frozen_stages=4, norm_eval=True)
    single = MODELS.build(
        dict(type='TopdownPoseEstimator', backbone=backbone,
             head=cfg.model.head, test_cfg=cfg.model.get('test_cfg'))).eval()
    return fami, single


def measure(model: nn.Module, x: torch.Tensor, repeats: int) -> dict:
    """Parameter counts, MACs of one forward and seconds per forward."""
    wrapped = TensorForward(model)
    params = parameter_count(model)['']
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    with torch.no_grad():
        analyzer = FlopAnalyzer(wrapped, (x, ))
        analyzer.set_op_handle('torchvision::deform_conv2d', deform_conv_flop)
        analyzer.unsupported_ops_warnings(False)
        analyzer.uncalled_modules_warnings(False)
        macs = analyzer.total()
        seconds = float('nan')
        if repeats > 0:
            wrapped(x)  # warm-up
            start = time.perf_counter()
            for _ in range(repeats):
                wrapped(x)
            seconds = (time.perf_counter() - start) / repeats
    return dict(params=params, trainable=trainable, macs=macs,
                seconds=seconds)


def main() -> None:
    args = parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    init_default_scope('mmpose')
    cfg = Config.fromfile(args.config)
    fami, single = build_models(cfg)
    num_frames = cfg.model.neck.num_frames
    h, w = args.input_size
    torch.manual_seed(0)
    clip = torch.randn(1, num_frames, 3, h, w)
    rows = {
        f'FAMI (T={num_frames})': measure(fami, clip, args.repeats),
        'single frame': measure(single, clip[:, 0], args.repeats),
    }
    print(f'input {h}x{w}, {args.repeats} timed forward(s), '
          f'{torch.get_num_threads()} CPU thread(s), 1 key frame per forward')
    print(f'{"model":<16}{"params (M)":>12}{"trainable (M)":>15}'
          f'{"GMACs":>10}{"s / key frame":>15}')
    for name, r in rows.items():
        print(f'{name:<16}{r["params"] / 1e6:>12.2f}'
              f'{r["trainable"] / 1e6:>15.2f}{r["macs"] / 1e9:>10.2f}'
              f'{r["seconds"]:>15.3f}')
    fam, one = rows[f'FAMI (T={num_frames})'], rows['single frame']
    print(f'ratio FAMI / single: params {fam["params"] / one["params"]:.2f}x, '
          f'MACs {fam["macs"] / one["macs"]:.2f}x, '
          f'time {fam["seconds"] / one["seconds"]:.2f}x')


if __name__ == '__main__':
    main()
