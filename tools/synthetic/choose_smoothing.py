# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Choose the main job's track filter on ``val``: each candidate filter on
the tracked predictions of the single-frame model (a), scored with the AP
and the acceleration error (jitter) over data seeds.

For every seed's work dir of ``run_benchmark_seeds.py``, model (a) runs
once through the video inferencer on the ``val`` videos (as
``run_tracked_eval.py`` runs it), then every candidate of
:data:`CANDIDATES` filters those predictions per track
(:class:`~fami_pose_mm.apis.track_smoothing.TrackSmoother`, exactly as
``smooth=`` does in the inferencer) and is scored. The chosen filter cuts
the mean acceleration error the most among those that cost at most
``--max-ap-loss`` AP (all joints, mean over the seeds); it is what
``fami_pose_mm.synthetic.tracked_eval.BENCHMARK_SMOOTH`` holds.

    python tools/synthetic/choose_smoothing.py --seeds 1 2 3 \\
        --seeds-work-dir work_dirs/synthetic_seeds

Writes ``smoothing_val.md`` / ``.json`` in the seeds' work dir.
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

import numpy as np

#: The filters tried: each family at a few strengths.
CANDIDATES = (
    [dict(type='one_euro', min_cutoff=c, beta=b, d_cutoff=0.1)
     for c in (0.02, 0.05, 0.1) for b in (0.0, 0.01, 0.05)] +
    [dict(type='savgol', window=w, polyorder=2) for w in (5, 9, 13)] +
    [dict(type='gaussian', sigma=s, truncate=3.0) for s in (1.0, 1.5, 2.5)])


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--seeds', type=int, nargs='+', default=[1, 2, 3])
    parser.add_argument('--seeds-work-dir', default='work_dirs/synthetic_seeds')
    parser.add_argument('--data-root-prefix', default='data/synthetic_seed')
    parser.add_argument('--split', choices=('val', 'test'), default='val')
    parser.add_argument('--max-ap-loss', type=float, default=0.5)
    return parser.parse_args(argv)


def smooth_file(src: str, dst: str, cfg: dict) -> None:
    """Filter the tracks of one PoseTrack18 prediction file (frames in
    ``images`` order) as the inferencer does, into ``dst``."""
    from fami_pose_mm.apis.track_smoothing import TrackSmoother
    with open(src) as f:
        video = json.load(f)
    smoother = TrackSmoother(cfg)
    by_image = {image['id']: [] for image in video['images']}
    for ann in video['annotations']:
        by_image[ann['image_id']].append(ann)
    order = [image['id'] for image in video['images']]

    def arrays(anns):
        kpts = np.array([a['keypoints'] for a in anns],
                        float).reshape(len(anns), -1, 3)
        return kpts, np.array([a['track_id'] for a in anns])

    def emit(t):
        anns = by_image[order[t]]
        if not anns:
            return
        kpts, ids = arrays(anns)
        out = smoother.smoothed(t, kpts[..., :2], ids)
        for ann, xy, k in zip(anns, out, kpts):
            k[:, :2] = xy
            ann['keypoints'] = k.reshape(-1).tolist()

    pending = []
    for t, image_id in enumerate(order):
        anns = by_image[image_id]
        if anns:
            kpts, ids = arrays(anns)
            smoother.push(t, kpts[..., :2], ids)
        pending.append(t)
        while pending and pending[0] + smoother.delay <= t:
            emit(pending.pop(0))
    for t in pending:
        emit(t)
    with open(dst, 'w') as f:
        json.dump(video, f)


def main(argv=None) -> dict:
    args = parse_args(argv)
    here = osp.dirname(osp.abspath(__file__))
    tracked = runpy.run_path(osp.join(here, 'run_tracked_eval.py'))
    from fami_pose_mm.apis.track_smoothing import smoothing_config
    from fami_pose_mm.synthetic.benchmark_eval import save_report
    from fami_pose_mm.synthetic.tracked_eval import (run_tracked_inference,
                                                     score_tracked)
    names = ['none'] + [json.dumps(c) for c in CANDIDATES]
    scores = {name: [] for name in names}
    for seed in args.seeds:
        vdir = osp.join(args.seeds_work_dir, f'seed{seed}', 'a_single_frame')
        data_root = f'{args.data_root_prefix}{seed}'
        raw = osp.join(vdir, f'tracked_predictions_{args.split}')
        run_tracked_inference('configs/synthetic/a_single_frame.py',
                              tracked['_checkpoint'](vdir), data_root,
                              args.split, raw)
        scores['none'].append(score_tracked(data_root, args.split, raw))
        for name, cfg in zip(names[1:], CANDIDATES):
            out = osp.join(vdir, f'smoothing_{args.split}')
            os.makedirs(out, exist_ok=True)
            for file in sorted(os.listdir(raw)):
                smooth_file(osp.join(raw, file), osp.join(out, file),
                            smoothing_config(cfg))
            scores[name].append(score_tracked(data_root, args.split, out))
        print(f'seed {seed} done')
    mean = {n: {k: float(np.mean([s[k] for s in v])) for k in
                ('AP', 'accel error', 'MOTA')} for n, v in scores.items()}
    base = mean['none']
    allowed = [n for n in names[1:]
               if base['AP'] - mean[n]['AP'] <= args.max_ap_loss]
    best = min(allowed, key=lambda n: mean[n]['accel error'],
               default='none')
    lines = ['| filter | AP | accel error | MOTA | AP change | accel error '
             'change |', '|---|---|---|---|---|---|']
    for n in names:
        m = mean[n]
        lines.append(
            f"| {n}{' (chosen)' if n == best else ''} | {m['AP']:.1f} | "
            f"{m['accel error']:.2f} | {m['MOTA']:.1f} | "
            f"{m['AP'] - base['AP']:+.1f} | "
            f"{100 * (m['accel error'] / base['accel error'] - 1):+.0f} % |")
    table = '\n'.join(lines)
    print(table)
    footer = (f'\n(a) single frame, {args.split} split, mean over data '
              f'seeds {args.seeds}; chosen: the lowest acceleration error '
              f'(px/frame^2) at most {args.max_ap_loss} AP below no filter; '
              'command: python tools/synthetic/choose_smoothing.py '
              f"{' '.join(sys.argv[1:] if argv is None else argv)}")
    save_report(osp.join(args.seeds_work_dir, f'smoothing_{args.split}'),
                table, footer, dict(scores=scores, mean=mean, best=best,
                                    seeds=args.seeds))
    return dict(best=best, mean=mean)


if __name__ == '__main__':
    main()
