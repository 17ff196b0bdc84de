# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The main job: the synthetic degraded-video benchmark, end to end.

1. generates the seeded dataset (PoseTrack18 layout) unless it is there;
2. trains (a) single frame, then (b) GTM, (c) GTM+LCM and (d) full FAMI
   (backbone of (a), frozen) through ``mim train mmpose`` on ``train``;
3. tests each through ``mim test mmpose`` with the PoseTrack metric on the
   ``test`` split (``--split val`` for design runs), which writes per-video
   prediction files;
4. prints and saves the table of AP on all, clean, occluded, blurred and
   degraded (occluded or blurred) joints (``results.md`` /
   ``results.json`` in the work dir) and renders one sequence of the split
   with (a) and (d) side by side (``side_by_side.mp4``);
5. with ``--tracked``: runs (a), (d) and (e) (full FAMI trained with each
   frame cropped with the person's own box, ``--variants e_fami_own``)
   through the video inferencer with the split's detection file and the
   tracker, and scores AP and MOTA (``run_tracked_eval.py``;
   ``tracking.md`` / ``tracking.json``).

``--variants f_fami_adapt``: (f), full FAMI built on (a) and adapted
WITHOUT LABELS on the scored split's own videos (test-time adaptation,
``configs/synthetic/f_fami_adapt.py``): its training data are that
split's frames and detection boxes (with their track ids), its targets
(a)'s heatmaps; it is scored on that split only.

    python tools/synthetic/run_benchmark.py        # (a)-(d), <= 30 min on 2 CPU cores
    # then (e) and the tracked inference step on the same work dir
    python tools/synthetic/run_benchmark.py --variants e_fami_own --tracked
    python tools/synthetic/run_benchmark.py --preset quick   # smoke run, a few minutes
    # a design run: another setting, scored on val
    python tools/synthetic/run_benchmark.py --split val --work-dir work_dirs/x
    # test and val from the same models (results_val.md for the choice)
    python tools/synthetic/run_benchmark.py --also-val --work-dir work_dirs/x
    # add a variant to that work dir, keeping the variants already scored
    python tools/synthetic/run_benchmark.py --also-val --work-dir work_dirs/x \
        --variants a_single_frame d_fami --reuse

    # one ablation row on top of an earlier run's model (a), e.g. the LCM
    # with a random kernel instead of the identity start
    python tools/synthetic/run_benchmark.py --variants c_gtm_lcm \
        --single-frame-checkpoint work_dirs/synthetic/a_single_frame.pth \
        --work-dir work_dirs/lcm_random \
        --cfg-options model.neck.lcm.identity_init=False

Run it from the repository root (``make benchmark``).
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
import shutil
import subprocess
import sys
import time
from typing import Optional

VARIANTS = (('a_single_frame', '(a) single frame'), ('b_gtm', '(b) GTM'),
            ('c_gtm_lcm', '(c) GTM + LCM'), ('d_fami', '(d) GTM + LCM + MI'),
            ('e_fami_own', '(e) full FAMI, own crops'),
            ('a_res18_single_frame', '(a) ResNet-18 single frame'),
            ('d_res18_fami', '(d) ResNet-18 full FAMI'),
            ('d_res18_fami_deconv', '(d) ResNet-18 full FAMI, neck after '
             'deconvs'),
            ('d_res18_fami_deconv2', '(d) ResNet-18 full FAMI, neck after '
             '2 of 3 deconvs'),
            ('d_res18_fami_deconv2_weighted', '(d) ResNet-18 full FAMI, '
             'neck after 2 of 3 deconvs, weighted fusion'),
            ('f_fami_adapt', '(f) full FAMI, adapted without labels'))
# Variants whose test-time boxes come from person tracks: trained here,
# scored only by the tracked inference step (run_tracked_eval.py).
TRACKED_ONLY = ('e_fami_own', )
# What `make benchmark` runs: the AP table.
TABLE_VARIANTS = ('a_single_frame', 'b_gtm', 'c_gtm_lcm', 'd_fami')
# Adapted without labels on the scored split's videos (seeds table).
ADAPT_VARIANTS = ('f_fami_adapt', )
# Epochs per preset: None = each config's own ``train_cfg.max_epochs``;
# data preset of the generator; loader workers.
PRESETS = dict(
    full=dict(epochs=None, data='default', workers=2),
    quick=dict(epochs=1, data='quick', workers=0))


def variant_plan(variant: str) -> dict:
    """What the variant's config (``configs/synthetic/<variant>.py``) says
    about its run, read from the config, not from its name.

    Returns:
        dict: ``single_frame`` (a model without neck: trained from
        scratch, its checkpoint kept as ``<work dir>/<variant>.pth``),
        ``start_from`` (the single-frame variant whose checkpoint it
        loads: the file name of its ``model.backbone.init_cfg.checkpoint``;
        None for a single-frame variant), ``loads`` (the config paths of
        every ``init_cfg.checkpoint`` of the model naming that checkpoint:
        backbone, head, MI predictor), ``adapt`` (trained without labels:
        its train dataset is an ``UnlabelledVideoDataset``) and ``epochs``
        (its ``train_cfg.max_epochs``).

    Raises:
        ValueError: If a video variant's backbone loads no checkpoint.
    """
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join('configs', 'synthetic', f'{variant}.py'))
    single_frame = cfg.model.get('neck') is None
    start = None if single_frame else (
        cfg.model.backbone.get('init_cfg') or {}).get('checkpoint')
    loads = []

    def scan(node, path: str) -> None:
        if not isinstance(node, dict):
            return
        init = node.get('init_cfg')
        if isinstance(init, dict) and start is not None \
                and init.get('checkpoint') == start:
            loads.append(f'{path}.init_cfg.checkpoint')
        for key, value in node.items():
            if key != 'init_cfg':
                scan(value, f'{path}.{key}')

    scan(cfg.model, 'model')
    if not single_frame and not start:
        raise ValueError(f'configs/synthetic/{variant}.py: a video model '
                         'whose backbone loads no single-frame checkpoint '
                         '(model.backbone.init_cfg.checkpoint)')
    dataset_type = str(cfg.train_dataloader.dataset.get('type', ''))
    return dict(
        single_frame=single_frame,
        start_from=None if start is None else osp.splitext(
            osp.basename(start))[0],
        loads=loads,
        adapt=dataset_type.endswith('UnlabelledVideoDataset'),
        epochs=int(cfg.train_cfg.max_epochs))


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--preset', choices=sorted(PRESETS), default='full')
    parser.add_argument(
        '--seed',
        type=int,
        default=0,
        help='data seed (the generated set) and training seed; 0 is the '
        'design seed')
    parser.add_argument(
        '--split',
        choices=('val', 'test'),
        default='test',
        help='split to score: val for design choices, test to report')
    parser.add_argument(
        '--also-val',
        action='store_true',
        help='score every variant on val as well (results_val.md / '
        'results_val.json): a design choice read off the same models')
    parser.add_argument('--data-root', help='default: data/synthetic[_quick]')
    parser.add_argument(
        '--work-dir', help='default: work_dirs/synthetic[_quick]')
    parser.add_argument(
        '--variants',
        nargs='+',
        default=list(TABLE_VARIANTS),
        choices=[v for v, _ in VARIANTS],
        help='variants to run (default: the table\'s, (a)-(d)); (b)-(e) '
        'need (a)\'s checkpoint')
    parser.add_argument(
        '--reuse',
        action='store_true',
        help='do not train or test again a variant whose AP of every '
        'scored split is in the work dir\'s results*.json (same seed, '
        'preset and split) and whose checkpoint is still there')
    parser.add_argument(
        '--tracked',
        action='store_true',
        help='after the table, run (a), (d) and (e) of the work dir through '
        'the video inferencer with the tracker and score AP and MOTA')
    parser.add_argument(
        '--single-frame-checkpoint',
        help='model (a) that (b)-(d) start from; default: '
        '<work-dir>/a_single_frame.pth, written when (a) is run')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        default=[],
        metavar='KEY=VALUE',
        help='extra mmengine config options for every variant run, passed '
        'to mim train and mim test (after the benchmark\'s own)')
    args = parser.parse_args(argv)
    if args.also_val and args.split == 'val':
        parser.error('--also-val scores val besides test: drop --split val')
    if args.single_frame_checkpoint and 'a_single_frame' in args.variants:
        parser.error('--single-frame-checkpoint replaces model (a): leave '
                     'a_single_frame out of --variants')
    return args


def run(cmd: list, log_file: str) -> None:
    """Run a command, teeing nothing: its output goes to ``log_file``."""
    shown = cmd[:cmd.index('--cfg-options')] if '--cfg-options' in cmd else cmd
    print('      ' + ' '.join(shown) + ' ...', flush=True)
    # mmengine's pkg_resources notice would open every log: hide only it
    quiet = 'ignore:pkg_resources is deprecated as an API:UserWarning'
    env = dict(os.environ, PYTHONWARNINGS=','.join(
        filter(None, (os.environ.get('PYTHONWARNINGS'), quiet))))
    with open(log_file, 'w') as log:
        proc = subprocess.run(
            cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    if proc.returncode != 0:
        with open(log_file) as f:
            tail = f.read()[-3000:]
        raise RuntimeError(f'command failed ({proc.returncode}), see '
                           f'{log_file}:\n{tail}')


def unlabelled_boxes(root: str, split: str) -> tuple:
    """The split's detection boxes linked into tracks by ByteTracker, as
    ``tools/adapt/track_persons.py --bboxes-file`` links a user's boxes
    (written again when the detection file is newer).

    Returns:
        tuple: The boxes file of ``UnlabelledVideoDataset`` (keyed by
        frame, ``'<video>/<frame>'`` in ``images/<split>``) and the same
        boxes as a detection file of the split's annotation (``image_id``
        and ``track_id``), with which ``mim test`` crops each frame with
        the person's own box, as the adapted model was trained.
    """
    ann = osp.join(root, 'annotations')
    out = osp.join(ann, f'posetrack18_{split}_boxes.json')
    tracked = osp.join(ann, f'posetrack18_{split}_human_detections_tracked'
                       '.json')
    detections = osp.join(ann, f'posetrack18_{split}_human_detections.json')
    if all(osp.exists(p) and osp.getmtime(p) >= osp.getmtime(detections)
           for p in (out, tracked)):
        return out, tracked
    from fami_pose_mm.apis.person_boxes import track_video_boxes
    from fami_pose_mm.fileio import read_detections
    with open(osp.join(ann, f'posetrack18_{split}.json')) as f:
        names = {img['id']: '/'.join(img['file_name'].split('/')[-2:])
                 for img in json.load(f)['images']}
    untracked = osp.join(ann, f'posetrack18_{split}_boxes_untracked.json')
    with open(untracked, 'w') as f:
        json.dump([det.as_record(file_name=names[det.image_id])
                   for det in read_detections(detections)], f)
    boxes = track_video_boxes(osp.join(root, 'images', split),
                              boxes_file=untracked)
    ids = {name: image_id for image_id, name in names.items()}
    for path, records in ((out, boxes), (tracked, [
            dict(image_id=ids[box['file_name']],
                 **{k: v for k, v in box.items() if k != 'file_name'})
            for box in boxes])):
        with open(path, 'w') as f:
            json.dump(records, f)
    return out, tracked


def data_options(root: str, workers: int, split: str = 'test',
                 adapt_dir: Optional[str] = None) -> list:
    """--cfg-options pointing every dataset and evaluator at ``root``.

    The runner's ``val`` loader reads the ``val`` split; its ``test``
    loader (``mim test``) reads ``split``. With ``adapt_dir`` (variant
    (f)) the training data are the unlabelled videos of ``split`` (frames
    laid out in ``adapt_dir``), there is no val loader, and the test
    loader's boxes carry ByteTracker's track ids (own crops, as trained;
    :func:`unlabelled_boxes`).
    """
    root = root.rstrip('/') + '/'
    ann = root + 'annotations/'
    boxes = {s: f'{ann}posetrack18_{s}_human_detections.json'
             for s in ('val', split)}
    if adapt_dir:
        unlabelled, boxes[split] = unlabelled_boxes(root, split)
        opts = [
            f'train_dataloader.dataset.video_root={root}images/{split}',
            f'train_dataloader.dataset.bbox_file={unlabelled}',
            f'train_dataloader.dataset.cache_dir={adapt_dir}'
        ]
    else:
        opts = [f'train_dataloader.dataset.data_root={root}']
    loaders = (('test', split), ) if adapt_dir else (('val', 'val'),
                                                     ('test', split))
    for loader, data_split in loaders:
        opts += [
            f'{loader}_dataloader.dataset.data_root={root}',
            f'{loader}_dataloader.dataset.ann_file='
            f'annotations/posetrack18_{data_split}.json',
            f'{loader}_dataloader.dataset.bbox_file={boxes[data_split]}',
            f'{loader}_evaluator.ann_file={ann}posetrack18_{data_split}.json',
        ]
    loaders = ('train', 'test') if adapt_dir else ('train', 'val', 'test')
    for loader in loaders:
        opts += [
            f'{loader}_dataloader.num_workers={workers}',
            f'{loader}_dataloader.persistent_workers={workers > 0}'
        ]
    return opts


def main(argv=None) -> dict:
    args = parse_args(argv)
    args.command = ' '.join(['python tools/synthetic/run_benchmark.py'] + list(
        sys.argv[1:] if argv is None else argv))
    preset = PRESETS[args.preset]
    suffix = '' if args.preset == 'full' else f'_{args.preset}'
    data_root = args.data_root or f'data/synthetic{suffix}'
    work_dir = args.work_dir or f'work_dirs/synthetic{suffix}'
    os.makedirs(work_dir, exist_ok=True)
    start = time.time()
    timings = {}

    from dataclasses import asdict

    from fami_pose_mm.synthetic import SyntheticConfig
    stamp = osp.join(data_root, 'generated.json')
    wanted = json.loads(json.dumps(asdict(
        SyntheticConfig.from_preset(preset['data'], seed=args.seed))))
    if not osp.exists(stamp) or json.load(open(stamp)) != wanted:
        print(f'[1/4] generating the {preset["data"]} set in {data_root}')
        shutil.rmtree(data_root, ignore_errors=True)
        run([
            sys.executable, 'tools/synthetic/generate_synthetic_posetrack.py',
            data_root, '--seed',
            str(args.seed), '--preset', preset['data'], '--no-progress'
        ], osp.join(work_dir, 'generate.log'))
        with open(stamp, 'w') as f:
            json.dump(wanted, f)
    else:
        print(f'[1/4] reusing the generated set in {data_root}')
    timings['generate'] = time.time() - start

    splits = [args.split] + ['val'] * args.also_val
    results = {split: {} for split in splits}
    reused = []
    for variant, title in VARIANTS:
        if variant not in args.variants:
            continue
        t0 = time.time()
        vdir = osp.join(work_dir, variant)
        plan = variant_plan(variant)
        adapt_dir = osp.join(vdir, 'frames') if plan['adapt'] else None
        epochs = preset['epochs'] or plan['epochs']
        # (f) adapts on the reported split's videos: scored on that only
        variant_splits = [args.split] if adapt_dir else splits
        saved = [reusable(
            osp.join(work_dir, f'results{results_suffix(s, args.split)}.json'),
            s, args.preset, args.seed, [title])
            for s in variant_splits] if args.reuse else [None]
        ckpts = [osp.join(vdir, f'epoch_{epochs}.pth')] + [
            osp.join(work_dir, f'{variant}.pth')] * plan['single_frame']
        if all(saved) and all(map(osp.exists, ckpts)):
            print(f'[2/4] reusing {title}: its AP and {ckpts[-1]}')
            for split, old in zip(variant_splits, saved):
                results[split][title] = old[title]
            reused.append(variant)
            continue
        # no validation pass during training (mmengine runs one at the last
        # epoch whatever val_interval is, unless val_begin is past it):
        # step 3 scores the splits with mim test; (f) has no val loader
        opts = [f'train_cfg.max_epochs={epochs}',
                f'randomness.seed={args.seed}']
        if not adapt_dir:
            opts.append(f'train_cfg.val_begin={epochs + 1}')
        if not plan['single_frame']:
            single_ckpt = args.single_frame_checkpoint or osp.join(
                work_dir, f'{plan["start_from"]}.pth')
            if not osp.exists(single_ckpt):
                raise FileNotFoundError(
                    f'{single_ckpt} is missing: run variant '
                    f'{plan["start_from"]} first or pass '
                    '--single-frame-checkpoint')
            opts += [f'{key}={single_ckpt}' for key in plan['loads']]
        opts += args.cfg_options
        config = f'configs/synthetic/{variant}.py'
        print(f'[2/4] training {title}: {epochs} epoch(s)')
        shutil.rmtree(vdir, ignore_errors=True)
        run(['mim', 'train', 'mmpose', config, '--work-dir', vdir,
             '--cfg-options'] +
            data_options(data_root, preset['workers'], args.split,
                         adapt_dir) + opts,
            osp.join(work_dir, f'{variant}_train.log'))
        ckpt = osp.join(vdir, f'epoch_{epochs}.pth')
        if plan['single_frame']:
            shutil.copyfile(ckpt, osp.join(work_dir, f'{variant}.pth'))
        if variant in TRACKED_ONLY:
            timings[variant] = time.time() - t0
            continue
        for split in variant_splits:
            results[split][title] = score(
                config, ckpt, vdir, opts, data_root, preset['workers'], split,
                suffix=results_suffix(split, args.split),
                adapt_dir=adapt_dir)
        timings[variant] = time.time() - t0
        print(f'      AP {results[args.split][title]["all"]["AP"]:.1f} '
              f'({timings[variant]:.0f} s)')
    args.reused = reused
    if args.also_val and results['val']:
        save_table(args, data_root, work_dir, results['val'], timings, start,
                   split='val')
    return finish(args, data_root, work_dir, results[args.split], timings,
                  start)


def reusable(path: str, split: str, preset: str, seed: int,
             titles: list) -> Optional[dict]:
    """A finished run's ``{title: subsets}`` for ``titles``, or None.

    Reused when ``path`` (a ``results*.json`` of this script) holds the
    same split, preset and seed and every title (more variants are fine:
    the wanted ones are taken, in the wanted order).
    """
    if not osp.exists(path):
        return None
    with open(path) as f:
        old = json.load(f)
    if (old.get('split'), old.get('preset'), old.get('seed')) != (
            split, preset, seed) or not set(titles) <= set(old['results']):
        return None
    return {t: old['results'][t] for t in titles}


def results_suffix(split: str, reported: str) -> str:
    """'' for the files of the reported split, ``'_<split>'`` (``--also-val``:
    ``results_val.json``, ``predictions_val/``) for another."""
    return '' if split == reported else f'_{split}'


def score(config: str, ckpt: str, vdir: str, opts: list, data_root: str,
          workers: int, split: str, suffix: str = '',
          adapt_dir: Optional[str] = None) -> dict:
    """``mim test`` one trained variant on ``split`` and score its subsets.

    Writes ``<vdir>/predictions<suffix>/`` (PoseTrack per-video JSON) and
    ``<vdir>/test_metrics<suffix>.json``; returns
    :func:`evaluate_subsets`'s ``{subset: {'AP', 'num_gt'}}``.
    """
    from fami_pose_mm.synthetic.benchmark_eval import evaluate_subsets
    print(f'[3/4] testing on {split}')
    pred_dir = osp.join(vdir, f'predictions{suffix}')
    run([
        'mim', 'test', 'mmpose', config, '--checkpoint', ckpt, '--work-dir',
        vdir, '--out', osp.join(vdir, f'test_metrics{suffix}.json'),
        '--cfg-options'
    ] + data_options(data_root, workers, split, adapt_dir) + opts +
        [f'test_evaluator.outfile_prefix={pred_dir}/results'],
        osp.join(osp.dirname(vdir),
                 f'{osp.basename(vdir)}_test{suffix}.log'))
    annotations = osp.join(data_root, 'annotations')
    return evaluate_subsets(
        osp.join(annotations, split), pred_dir,
        osp.join(annotations, f'posetrack18_{split}_joint_flags.json'))


def finish(args, data_root, work_dir, results, timings, start) -> dict:
    """Print and save the table; render the side-by-side video; with
    ``--tracked``, the tracked inference step.

    A run of tracked-only variants (``--variants e_fami_own``) leaves the
    work dir's table as it is.
    """
    if results:
        save_table(args, data_root, work_dir, results, timings, start)
    else:
        print('[4/4] no table variant was run: the work dir\'s results.md '
              'is left as it is')
    if args.tracked:
        t0 = time.time()
        from fami_pose_mm.apis.track_smoothing import smoothing_config
        from fami_pose_mm.synthetic.tracked_eval import BENCHMARK_SMOOTH
        tracked = runpy.run_path(
            osp.join(osp.dirname(osp.abspath(__file__)),
                     'run_tracked_eval.py'))['run_one']
        tracked(work_dir, data_root, args.split, rerun=True,
                smooth=smoothing_config(BENCHMARK_SMOOTH))
        print(f'tracked inference: {(time.time() - t0) / 60:.1f} min; '
              f'benchmark total {(time.time() - start) / 60:.1f} min')
    return results


def save_table(args, data_root, work_dir, results, timings, start,
               split=None) -> None:
    """Print and save the AP table of ``split`` (default ``args.split``);
    for that one, render (a) and (d) side by side.

    The table of ``--also-val`` goes to ``results_val.md`` /
    ``results_val.json``.
    """
    from fami_pose_mm.synthetic.benchmark_eval import (format_table,
                                                       save_report)
    from fami_pose_mm.synthetic.compare_video import render_side_by_side
    print('[4/4] results')
    table = format_table(results)
    total = time.time() - start
    split = split or args.split
    suffix = results_suffix(split, args.split)
    footer = (f'\n{split} split, data seed {args.seed}, preset '
              f'{args.preset}, {total / 60:.1f} min in total on '
              f'{os.cpu_count()} CPU core(s); command: {args.command}')
    if args.preset != 'full':
        footer += ('\nA SMOKE TEST of the pipeline (a tiny set, one epoch): '
                   'these numbers say nothing about accuracy; '
                   '`make benchmark` gives the main job\'s table.')
    save_report(osp.join(work_dir, f'results{suffix}'), table, footer,
                dict(results=results, timings_s=timings,
                     reused=getattr(args, 'reused', []), seed=args.seed,
                     preset=args.preset, split=split, minutes=total / 60,
                     command=args.command))
    if suffix:
        return
    a_dir = osp.join(work_dir, 'a_single_frame', 'predictions')
    d_dir = osp.join(work_dir, 'd_fami', 'predictions')
    if osp.isdir(a_dir) and osp.isdir(d_dir):
        video = sorted(v for v in os.listdir(d_dir) if v.endswith('.json'))[0]
        out = osp.join(work_dir, 'side_by_side.mp4')
        n = render_side_by_side(data_root,
                                [osp.join(a_dir, video),
                                 osp.join(d_dir, video)],
                                ['single frame', 'FAMI-Pose'], out)
        print(f'wrote {out} ({n} frames of {video[:-5]})')


if __name__ == '__main__':
    main()
