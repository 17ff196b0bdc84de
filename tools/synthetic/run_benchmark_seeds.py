# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The main job on several data seeds: mean +- std on the ``test`` split.

For each data seed, a new dataset (``data/synthetic_seed<N>``) and the
whole job of ``run_benchmark.py`` with that seed (its own model (a), then
(b)-(e), (f) adapted without labels on the test videos, ``--tracked``),
scored on ``test``; then the table of every cell and
of every module's gain over the seeds (mean ± sample std), saved as
``results.md`` and ``results.json`` in the work dir, and the
tracked-inference table ((a), (d), (e): AP and MOTA,
``run_tracked_eval.py``), saved as ``tracking.md`` / ``tracking.json``.

    python tools/synthetic/run_benchmark_seeds.py            # seeds 1 2 3 (make benchmark-seeds)
    python tools/synthetic/run_benchmark_seeds.py --seeds 4 5 --work-dir work_dirs/more_seeds

Seed 0 is the design seed (every design choice was made on its ``val``
split); the default seeds' ``test`` splits were never looked at in the
design (the ResNet-18 neck placement was chosen on ``val`` of seed 3).
A seed whose ``results.json`` is already in its work dir with the same
split and preset and every wanted variant is reused; of a seed that lacks
some variants, only those are run (``run_benchmark.py --reuse``; the
others' AP and checkpoints are kept). ``--rerun`` runs everything again.

A design choice read off the same models: ``--also-val`` scores every
variant on ``val`` too and writes that table as ``results_val.md`` /
``results_val.json``:

    python tools/synthetic/run_benchmark_seeds.py --seeds 3 1 2 --also-val \
        --variants a_res18_single_frame d_res18_fami d_res18_fami_deconv \
        --work-dir work_dirs/synthetic_seeds_res18

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
    parser.add_argument('--also-val', action='store_true',
                        help='score val too (results_val.md / .json)')
    parser.add_argument('--rerun', action='store_true',
                        help='run seeds and variants again whose results '
                        'exist')
    args = parser.parse_args(argv)
    if args.also_val and args.split == 'val':
        parser.error('--also-val scores val besides test: drop --split val')
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
                                                       format_seed_table,
                                                       save_report)
    variants = args.variants or [
        *bench['TABLE_VARIANTS'], *bench['ADAPT_VARIANTS'],
        *bench['TRACKED_ONLY']]
    tracked = 'd_fami' in variants
    splits = [args.split] + ['val'] * args.also_val
    stems = {s: bench['results_suffix'](s, args.split) for s in splits}
    # (f) adapts on the reported split's videos: no val row
    titles = {s: [t for v, t in bench['VARIANTS']
                  if v in variants and v not in bench['TRACKED_ONLY'] and (
                      s == args.split
                      or not bench['variant_plan'](v)['adapt'])]
              for s in splits}
    start = time.time()
    runs, minutes = {split: [] for split in splits}, {}
    for seed in args.seeds:
        work = osp.join(args.work_dir, f'seed{seed}')
        saved = [bench['reusable'](
            osp.join(work, f'results{stems[s]}.json'), s, args.preset, seed,
            titles[s]) for s in splits]
        if not args.rerun and all(saved):
            print(f'=== data seed {seed}: reusing {work}')
            for split, old in zip(splits, saved):
                runs[split].append(old)
            minutes[seed] = None
            continue
        print(f'=== data seed {seed}')
        t0 = time.time()
        runs[args.split].append(bench['main']([
            '--preset', args.preset, '--seed', str(seed), '--split',
            args.split, '--data-root', f'{args.data_root_prefix}{seed}',
            '--work-dir', work, '--variants', *variants
        ] + ['--tracked'] * tracked + ['--also-val'] * args.also_val +
            ['--reuse'] * (not args.rerun)))
        if args.also_val:
            with open(osp.join(work, 'results_val.json')) as f:
                runs['val'].append(json.load(f)['results'])
        minutes[seed] = (time.time() - t0) / 60
    per_seed = ', '.join(
        f'seed {s}: {m:.1f} min' if m is not None else f'seed {s}: reused'
        for s, m in minutes.items())
    os.makedirs(args.work_dir, exist_ok=True)
    aggs = {split: aggregate_seeds(runs[split]) for split in splits}
    for split, agg in aggs.items():
        table = format_seed_table(agg)
        footer = (f'\n{split} split, mean ± std over data seeds '
                  f'{args.seeds}, preset {args.preset}; {per_seed}; '
                  f'{(time.time() - start) / 60:.1f} min in total on '
                  f'{os.cpu_count()} CPU core(s); command: {command}')
        save_report(
            osp.join(args.work_dir, f'results{stems[split]}'), table,
            footer, dict(seeds=args.seeds, split=split, preset=args.preset,
                         minutes=minutes, command=command, **agg))
    agg = aggs[args.split]
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
