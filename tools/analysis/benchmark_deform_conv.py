# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Time the modulated deformable convolution kernels in one run.

Reports forward and forward+backward time of ``ModulatedDeformConv`` with
mmcv's compiled kernel, ``torchvision.ops.deform_conv2d`` and the
``grid_sample`` formulation on the same inputs, and each one's time as a
ratio of torchvision's (the baseline), on the CPU (or ``--device cuda``)::

    python tools/analysis/benchmark_deform_conv.py                  # LCM of the synthetic benchmark
    python tools/analysis/benchmark_deform_conv.py --batch 4 --channels 48 --size 96 72   # W48 LCM
"""
import warnings

warnings.filterwarnings(  # mmengine imports pkg_resources: hide only that
    'ignore', message='pkg_resources is deprecated as an API',
    category=UserWarning)

import argparse
import time

import torch

from fami_pose_mm.models.utils import ModulatedDeformConv, deform_backend


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--batch', type=int, default=128,
                        help='frames per call (clips x supporting frames)')
    parser.add_argument('--channels', type=int, default=16)
    parser.add_argument('--size', type=int, nargs=2, default=(32, 24),
                        metavar=('H', 'W'))
    parser.add_argument('--deform-groups', type=int, default=4)
    parser.add_argument('--dilation', type=int, default=3)
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--device', default='cpu')
    return parser.parse_args()


def _time(fn, repeats: int, device: torch.device) -> float:
    fn()  # warm-up
    if device.type == 'cuda':
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    if device.type == 'cuda':
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / repeats


def main():
    args = parse_args()
    device = torch.device(args.device)
    torch.manual_seed(0)
    layer = ModulatedDeformConv(
        args.channels, args.channels, 3, padding=args.dilation,
        dilation=args.dilation, deform_groups=args.deform_groups).to(device)
    shape = (args.batch, args.channels, *args.size)
    x = torch.randn(shape, device=device, requires_grad=True)
    offset = torch.randn(args.batch, layer.offset_channels, *args.size,
                         device=device, requires_grad=True)
    mask = torch.rand(args.batch, layer.mask_channels, *args.size,
                      device=device, requires_grad=True)
    print(f'input {tuple(shape)}, 3x3 kernel, dilation {args.dilation}, '
          f'{args.deform_groups} deform groups, {args.device}, '
          f'{torch.get_num_threads()} thread(s), mean of {args.repeats}')
    rows = {}
    for backend in ('torchvision', 'mmcv', 'grid_sample'):
        if backend == 'mmcv' and deform_backend('auto', device) != 'mmcv':
            print('mmcv: no compiled kernel for this device, skipped')
            continue
        layer.backend = backend

        def forward():
            with torch.no_grad():
                layer(x, offset, mask)

        def train_step():
            layer(x, offset, mask).sum().backward()

        rows[backend] = (_time(forward, args.repeats, device),
                         _time(train_step, args.repeats, device))
    f_t, s_t = rows['torchvision']
    print(f'{"kernel":<12} {"forward (s)":>12} {"fwd+bwd (s)":>12} '
          f'{"fwd ratio":>10} {"fwd+bwd ratio":>14}')
    for backend, (fwd, step) in rows.items():
        print(f'{backend:<12} {fwd:>12.3f} {step:>12.3f} {fwd / f_t:>9.2f}x '
              f'{step / s_t:>13.2f}x')
    print('ratio = time / torchvision time (lower is faster)')


if __name__ == '__main__':
    main()
