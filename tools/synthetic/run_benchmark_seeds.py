# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The main job on several data seeds: mean +- std on the ``test`` split.

For each data seed, a new dataset (``data/synthetic_seed<N>``) and the
whole job of ``run_benchmark.py`` with that seed (its own model (a), then
(b)-(e), ``--tracked``), scored on ``test``; then the table of every cell and
of every module's gain over the seeds (mean ± sample std), saved as
``results.md`` and ``results.json`` in the work dir, and the
tracked-inference table ((a), (d), (e): AP and MOTA,
``run_tracked_eval.py``), saved as ``tracking.md`` / ``tracking.json``.

    python tools/synthetic/run_benchmark_seeds.py            # seeds 1 2 3 (make benchmark-seeds)
    python tools/synthetic/run_benchmark_seeds.py --seeds 4 5 --work-dir work_dirs/more_seeds

Seed 0 is the design seed (every design choice was made on its ``val``
split); the default seeds were never looked at in the design. A seed whose
``results.json`` is already in its work dir with the same split and preset
is reused (``--rerun`` to run it again).

Run it from the repository root.
"""
import warnings

warnings.filterwarnings(  # mmengine imports pkg_resources: hide only that
    'ignore', message='pkg_resources is deprecated as an API',
    category=UserWarning)

import argparse
import json
import os
import os.path as osp
import runpy
import sys
import time


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--seeds', type=int, nargs='+', default=[1, 2, 3])
    parser.add_argument('--preset', choices=('full', 'quick'),
                        default='full')
    parser.add_argument('--split', choices=('val', 'test'), default='test')
    parser.add_argument('--data-root-prefix', default='data/synthetic_seed',
                        help='each seed\'s data in <prefix><seed>')
    parser.add_argument('--work-dir', default='work_dirs/synthetic_seeds')
    parser.add_argument(
        '--variants', nargs='+',
        help='run_benchmark.py variants; default (a)-(e) and the tracked '
        'step; e.g. a_res18_single_frame d_res18_fami for the second '
        'backbone')
    parser.add_argument('--rerun', action='store_true',
                        help='run seeds again whose results exist')
    args = parser.parse_args(argv)
    if len(set(args.seeds)) != len(args.seeds):
        parser.error(f'--seeds must be distinct, got {args.seeds}')
    return args


def main(argv=None) -> dict:
    args = parse_args(argv)
    command = ' '.join(['python tools/synthetic/run_benchmark_seeds.py'] +
                       list(sys.argv[1:] if argv is None else argv))
    bench = runpy.run_path(osp.join(osp.dirname(osp.abspath(__file__)),
                                    'run_benchmark.py'))
    from fami_pose_mm.synthetic.benchmark_eval import (aggregate_seeds,
                                                       format_seed_table)
    variants = args.variants or [
        *bench['TABLE_VARIANTS'], *bench['TRACKED_ONLY']]
    tracked = 'd_fami' in variants
    num_table = len([v for v in variants if v not in bench['TRACKED_ONLY']])
    start = time.time()
    runs, minutes = [], {}
    for seed in args.seeds:
        work = osp.join(args.work_dir, f'seed{seed}')
        saved = osp.join(work, 'results.json')
        if not args.rerun and osp.exists(saved):
            with open(saved) as f:
                old = json.load(f)
            if (old.get('split'), old.get('preset'), old.get('seed')) == (
                    args.split, args.preset, seed) and len(
                        old['results']) == num_table:
                print(f'=== data seed {seed}: reusing {saved}')
                runs.append(old['results'])
                minutes[seed] = old.get('minutes')
                continue
        print(f'=== data seed {seed}')
        t0 = time.time()
        runs.append(bench['main']([
            '--preset', args.preset, '--seed', str(seed), '--split',
            args.split, '--data-root', f'{args.data_root_prefix}{seed}',
            '--work-dir', work, '--variants', *variants
        ] + ['--tracked'] * tracked))
        minutes[seed] = (time.time() - t0) / 60
    agg = aggregate_seeds(runs)
    table = format_seed_table(agg)
    per_seed = ', '.join(
        f'seed {s}: {m:.1f} min' if m is not None else f'seed {s}: reused'
        for s, m in minutes.items())
    footer = (f'\n{args.split} split, mean ± std over data seeds '
              f'{args.seeds}, preset {args.preset}; {per_seed}; '
              f'{(time.time() - start) / 60:.1f} min in total on '
              f'{os.cpu_count()} CPU core(s); command: {command}')
    print(table + footer)
    os.makedirs(args.work_dir, exist_ok=True)
    with open(osp.join(args.work_dir, 'results.md'), 'w') as f:
        f.write(table + '\n' + footer + '\n')
    with open(osp.join(args.work_dir, 'results.json'), 'w') as f:
        json.dump(dict(seeds=args.seeds, split=args.split,
                       preset=args.preset, minutes=minutes, command=command,
                       **agg), f, indent=1)
    if not tracked:
        return agg
    tracked_main = runpy.run_path(
        osp.join(osp.dirname(osp.abspath(__file__)),
                 'run_tracked_eval.py'))['main']
    tracked_main(['--seeds', *map(str, args.seeds), '--seeds-work-dir',
                  args.work_dir, '--data-root-prefix', args.data_root_prefix,
                  '--split', args.split])
    return agg


if __name__ == '__main__':
    main()
