# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Tracked inference of the main job's models (a), (d) and (e), scored
with the AP and the PoseTrack tracking metric (MOTA).

For each work dir of ``run_benchmark.py`` (or of ``--seeds``), models (a)
single frame, (d) full FAMI and (e) full FAMI trained with own crops run
through the video inferencer on every video of the split, with the
split's detection file and the config's tracker, as a user would run them
((e) streams: each person-frame through the backbone once); the prediction files go to
``<work-dir>/<variant>/tracked_predictions/`` and are scored with
``tools/eval_posetrack.py``'s AP, MOTA and acceleration error (jitter,
px / frame^2). Each model runs twice: as it is, and with the track filter
``--smooth`` (default: the one chosen on ``val``,
``fami_pose_mm.synthetic.tracked_eval.BENCHMARK_SMOOTH``; ``--smooth
none`` skips it), its predictions in ``tracked_predictions_<filter>/``.
Saved as ``tracking.json`` / ``tracking.md`` in the work dir (and in the
seeds' work dir, mean ± std).

    # work_dirs/synthetic (make benchmark runs it)
    python tools/synthetic/run_tracked_eval.py
    # work_dirs/synthetic_seeds/seed<N>
    python tools/synthetic/run_tracked_eval.py --seeds 1 2 3

Run it from the repository root after the benchmark trained the models.
"""
import warnings

warnings.filterwarnings(  # mmengine imports pkg_resources: hide only that
    'ignore', message='pkg_resources is deprecated as an API',
    category=UserWarning)

import argparse
import glob
import json
import os.path as osp
import re
import sys
from typing import Optional

VARIANTS = (('a_single_frame', '(a) single frame'),
            ('d_fami', '(d) GTM + LCM + MI'),
            ('e_fami_own', '(e) full FAMI, own crops'))


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/synthetic')
    parser.add_argument('--data-root', default='data/synthetic')
    parser.add_argument('--seeds', type=int, nargs='+',
                        help='the work dirs of run_benchmark_seeds.py: '
                        '<--seeds-work-dir>/seed<N> with data '
                        '<--data-root-prefix><N>')
    parser.add_argument('--seeds-work-dir', default='work_dirs/synthetic_seeds')
    parser.add_argument('--data-root-prefix', default='data/synthetic_seed')
    parser.add_argument('--split', choices=('val', 'test'), default='test')
    parser.add_argument('--rerun', action='store_true',
                        help='run again where tracking.json exists')
    parser.add_argument(
        '--smooth', default='benchmark',
        help="the filtered rows' filter: 'benchmark' (the default, chosen "
        "on val), 'none', a filter name or a JSON dict with type and "
        'parameters')
    args = parser.parse_args(argv)
    from fami_pose_mm.apis.track_smoothing import smoothing_config
    from fami_pose_mm.synthetic.tracked_eval import BENCHMARK_SMOOTH
    smooth = {'benchmark': BENCHMARK_SMOOTH, 'none': None}.get(
        args.smooth, args.smooth)
    if isinstance(smooth, str) and smooth.startswith('{'):
        smooth = json.loads(smooth)
    try:
        args.smooth = smoothing_config(smooth)
    except ValueError as err:
        parser.error(f'--smooth: {err}')
    return args


def _checkpoint(vdir: str) -> str:
    """The last ``epoch_<n>.pth`` of a variant's work dir."""
    found = sorted(glob.glob(osp.join(vdir, 'epoch_*.pth')),
                   key=lambda p: int(re.findall(r'\d+', osp.basename(p))[0]))
    if not found:
        raise FileNotFoundError(f'no epoch_*.pth in {vdir}: train the '
                                'variant first (run_benchmark.py)')
    return found[-1]


def _reusable(saved: str, split: str, smooth, variants) -> Optional[dict]:
    """The results of ``tracking.json`` if it holds this split, filter,
    every variant trained now and every score; else None."""
    from fami_pose_mm.synthetic.tracked_eval import TRACKING_KEYS
    if not osp.exists(saved):
        return None
    with open(saved) as f:
        old = json.load(f)
    if (old.get('split') == split and old.get('smooth') == smooth
            and set(old.get('variants', [])) >= set(variants) and all(
                set(TRACKING_KEYS) <= set(row)
                for row in old['results'].values())):
        return old['results']
    return None


def run_one(work_dir: str, data_root: str, split: str,
            rerun: bool = False, smooth=None) -> dict:
    """Tracked inference and scores of (a), (d), (e) in one work dir,
    each also with the filter ``smooth`` (a :func:`smoothing_config`)."""
    from fami_pose_mm.fileio import finite_json
    from fami_pose_mm.synthetic.tracked_eval import (aggregate_tracking,
                                                     format_tracking_table,
                                                     run_tracked_inference,
                                                     score_tracked)
    saved = osp.join(work_dir, 'tracking.json')
    variants = [v for v, _ in VARIANTS
                if osp.isdir(osp.join(work_dir, v))]
    reused = None if rerun else _reusable(saved, split, smooth, variants)
    if reused is not None:
        print(f'reusing {saved}')
        return reused
    results, timings = {}, {}
    for variant, title in VARIANTS:
        vdir = osp.join(work_dir, variant)
        if variant not in variants:
            print(f'{vdir} does not exist: {title} not run')
            continue
        runs = [('', title, None)]
        if smooth is not None:
            runs.append((f"_{smooth['type']}", f"{title} + {smooth['type']}",
                         smooth))
        for suffix, row, filt in runs:
            out = osp.join(vdir, f'tracked_predictions{suffix}')
            print(f'tracked inference of {row} on {split} ({work_dir})')
            timings[variant + suffix] = run_tracked_inference(
                f'configs/synthetic/{variant}.py', _checkpoint(vdir),
                data_root, split, out, smooth=filt)
            results[row] = score_tracked(data_root, split, out)
    table = format_tracking_table(aggregate_tracking([results]))
    print(table)
    with open(osp.join(work_dir, 'tracking.md'), 'w') as f:
        f.write(table + f'\n\n{split} split, {data_root}\n')
    with open(saved, 'w') as f:
        json.dump(finite_json(dict(results=results, timings=timings,
                                   split=split, data_root=data_root,
                                   smooth=smooth, variants=variants)),
                  f, indent=1, allow_nan=False)
    return results


def main(argv=None) -> dict:
    args = parse_args(argv)
    if not args.seeds:
        return run_one(args.work_dir, args.data_root, args.split, args.rerun,
                       args.smooth)
    from fami_pose_mm.synthetic.benchmark_eval import save_report
    from fami_pose_mm.synthetic.tracked_eval import (aggregate_tracking,
                                                     format_tracking_table)
    runs = [
        run_one(osp.join(args.seeds_work_dir, f'seed{seed}'),
                f'{args.data_root_prefix}{seed}', args.split, args.rerun,
                args.smooth)
        for seed in args.seeds
    ]
    agg = aggregate_tracking(runs)
    table = format_tracking_table(agg)
    footer = (f'\n{args.split} split, mean ± std over data seeds '
              f'{args.seeds}; command: python '
              f'tools/synthetic/run_tracked_eval.py '
              f"{' '.join(sys.argv[1:] if argv is None else argv)}")
    save_report(osp.join(args.seeds_work_dir, 'tracking'), table, footer,
                dict(seeds=args.seeds, split=args.split, rows=agg))
    return agg


if __name__ == '__main__':
    main()
