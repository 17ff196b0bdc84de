# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Evaluate PoseTrack prediction files against the official ground truth.

Both folders hold one PoseTrack18-format JSON file per video, with the
same file names (the format the evaluation server and ``poseval`` read)::

    python tools/eval_posetrack.py data/posetrack18/annotations/val/ \\
        work_dirs/fami/results/ [--tracking] [--out metrics.json]
    python tools/eval_posetrack.py data/posetrack21/posetrack_data/val/ \\
        work_dirs/fami21/results/ --dataset posetrack21 [--tracking]

With ``--dataset posetrack21`` the ground truth is PoseTrack21's
``posetrack_data`` files and the numbers are the PoseTrack21 kit's: its
pose mAP and, with ``--tracking``, keypoint HOTA (HOTA, DetA, AssA, LocA,
... per joint; JSON ``tracking.summary``), see
``fami_pose_mm/evaluation/functional/posetrack21_hota.py``. A file of the
other dataset (PoseTrack18 ground truth given as PoseTrack21, or the
reverse) is refused, naming the file.

Prints the per-joint and the Head ... Ankle / Total AP table, computed as
the official ``poseval`` computes it (see docs/evaluation.md); with
``--tracking``, then the MOTA table (Head ... Ankle, Total, MOTP,
Precision, Recall) of ``poseval``'s ``evaluateTracking``; with
``--jitter``, the acceleration error of the tracked keypoints against the
ground truth (px / frame^2, ``fami_pose_mm.evaluation.functional.
posetrack_jitter``). A bad file
stops the command with an error naming the file, annotation and field;
what ``poseval`` tolerates (missing scores, extra prediction files, ...)
is scored as ``poseval`` scores it and reported with a warning that counts
it.

Frames are paired with the ground truth's by image id, else file name,
else ``<video>/<frame>`` (see ``fami_pose_mm/fileio/posetrack_folders.py``);
a prediction file of another video is refused. ``--out`` is checked
before the evaluation (writable, not a file of either folder); a number
that is undefined (e.g. MOTA of a joint never annotated) is written as
``null``.

It imports only numpy, scipy, shapely and the project's file and metric
modules (``import fami_pose_mm`` is light; not torch, mmengine or mmpose):
it starts in well under a second. A bad input ends with one ``error:`` line and exit
status 2 (``--debug`` for the traceback).
"""
import warnings

warnings.filterwarnings(  # mmengine imports pkg_resources: hide only that
    'ignore', message='pkg_resources is deprecated as an API',
    category=UserWarning)

import argparse
import json
from typing import List, Optional


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Command line arguments."""
    from fami_pose_mm.cli import add_debug_option
    from fami_pose_mm.fileio.posetrack_folders import DATASETS
    parser = argparse.ArgumentParser(
        description='PoseTrack multi-person pose AP and tracking: poseval '
        '(PoseTrack17/18: AP, MOTA) or the PoseTrack21 kit (mAP, keypoint '
        'HOTA)')
    parser.add_argument('gt_dir', help='folder of ground-truth video files')
    parser.add_argument('pred_dir', help='folder of prediction video files')
    parser.add_argument(
        '--dataset', choices=DATASETS, default=DATASETS[0],
        help='posetrack18: poseval\'s AP and MOTA (PoseTrack17/18 ground '
        'truth); posetrack21: the PoseTrack21 kit\'s mAP and keypoint HOTA')
    parser.add_argument(
        '--tracking', action='store_true',
        help='also score tracking (MOTA; with --dataset posetrack21, '
        'keypoint HOTA); every predicted person needs a track_id, unique '
        'within its frame')
    parser.add_argument(
        '--jitter', action='store_true',
        help='also the acceleration error (px/frame^2) of the keypoints, '
        'matched per track as for MOTA; needs track_ids as --tracking')
    parser.add_argument('--out', help='write the numbers to this JSON file')
    add_debug_option(parser)
    return parser.parse_args(argv)


def check_out(out: str, gt_dir: str, pred_dir: str) -> None:
    """Refuse an ``--out`` that cannot be written or that is a ``.json``
    file of either folder (it would overwrite an input, or be read as a
    video the next time)."""
    import os.path as osp
    from fami_pose_mm.fileio.output_paths import check_writable_file
    for option, folder in (('gt_dir', gt_dir), ('pred_dir', pred_dir)):
        if out.endswith('.json') and osp.realpath(
                osp.dirname(osp.abspath(out))) == osp.realpath(folder):
            raise ValueError(
                f'--out {out} is in {option} {folder}: it would overwrite a '
                'video file or be read as one; write it elsewhere')
    check_writable_file(out)


def _table(title: str, header: list, rows: list) -> str:
    from terminaltables import AsciiTable
    return AsciiTable([header] + rows, title).table


def _lists(result: dict) -> dict:
    return {k: (v.tolist() if hasattr(v, 'tolist') else v)
            for k, v in result.items()}


def _print_tracking(track: dict) -> None:
    """The per-joint counts and ``poseval``'s MOTA row."""
    rows = [[
        name, f"{track['mota'][j]:.2f}", f"{track['motp'][j]:.2f}",
        f"{track['precision'][j]:.2f}", f"{track['recall'][j]:.2f}",
        int(track['num_switches'][j]), int(track['num_misses'][j]),
        int(track['num_false_positives'][j]), int(track['num_objects'][j])
    ] for j, name in enumerate(track['joints'])]
    print(_table('Tracking per joint', [
        'joint', 'MOTA', 'MOTP', 'precision', 'recall', 'switches',
        'misses', 'FP', '#GT'
    ], rows))
    summary = track['summary']
    header = [f'MOTA {k}' if k not in ('MOTP', 'Precision', 'Recall') else k
              for k in summary]
    print(_table('Multiple Object Tracking (MOT)', header,
                 [[f'{v:.1f}' for v in summary.values()]]))


def _print_ap(result: dict, title: str) -> None:
    """The per-joint AP table and the Head ... Total row."""
    rows = [[
        name, f"{result['ap'][j]:.2f}", f"{result['precision'][j]:.2f}",
        f"{result['recall'][j]:.2f}", int(result['num_gt'][j]),
        int(result['num_pred'][j])
    ] for j, name in enumerate(result['joints'][:len(result['num_gt'])])]
    print(_table('Per joint',
                 ['joint', 'AP', 'precision', 'recall', '#GT', '#pred'],
                 rows))
    summary = result['summary']
    print(_table(title, list(summary),
                 [[f'{v:.1f}' for v in summary.values()]]))


#: The HOTA fields printed per joint.
HOTA_COLUMNS = ('HOTA', 'DetA', 'AssA', 'LocA', 'DetRe', 'DetPr', 'AssRe',
                'AssPr')


def _print_hota(hota: dict) -> None:
    """Per joint (and Total): the HOTA fields, x100, mean over alphas."""
    per_joint = hota['per_joint']
    rows = [[name] + [f'{per_joint[f][j]:.2f}' for f in HOTA_COLUMNS]
            for j, name in enumerate(hota['joints'])]
    print(_table('Keypoint HOTA per joint (PoseTrack21 kit)',
                 ['joint'] + list(HOTA_COLUMNS), rows))
    summary = hota['summary']
    print(_table('Keypoint HOTA', list(HOTA_COLUMNS),
                 [[f'{summary[f]:.1f}' for f in HOTA_COLUMNS]]))


def _hota_out(hota: dict) -> dict:
    """The HOTA result as JSON values."""
    return dict(
        summary=dict(hota['summary']),
        joints=hota['joints'],
        alphas=hota['alphas'].tolist(),
        per_joint={k: v.tolist() for k, v in hota['per_joint'].items()},
        per_alpha={k: v.tolist() for k, v in hota['per_alpha'].items()},
        num_videos=hota['num_videos'])


def main(argv: Optional[List[str]] = None) -> dict:
    """Run the evaluation; returns the result dict of
    :func:`evaluate_posetrack` (PoseTrack21: of
    :func:`evaluate_posetrack21_map`; arrays as lists), with ``tracking``
    (:func:`evaluate_tracking`, PoseTrack21: the keypoint HOTA) when
    asked."""
    from fami_pose_mm.evaluation.functional import (
        evaluate_jitter, evaluate_posetrack, evaluate_posetrack21_hota,
        evaluate_posetrack21_map, evaluate_tracking, prepare_videos)
    from fami_pose_mm.fileio import load_posetrack18_folders
    from fami_pose_mm.fileio.output_paths import finite_json
    args = parse_args(argv)
    if args.out:
        check_out(args.out, args.gt_dir, args.pred_dir)
    pt21 = args.dataset == 'posetrack21'
    gt_frames, pred_frames, videos = load_posetrack18_folders(
        args.gt_dir, args.pred_dir, tracking=args.tracking or args.jitter,
        dataset=args.dataset)
    if pt21:
        kit_frames = prepare_videos(gt_frames, pred_frames)
        result = evaluate_posetrack21_map(kit_frames)
        labelled = sum(len(f) for f in kit_frames.values())
        print(f'{len(videos)} videos, {len(gt_frames)} frames ({labelled} '
              f'labelled: scored), '
              f'{sum(f.num_people for f in pred_frames)} predicted people')
        _print_ap(result, 'Average Precision (AP), PoseTrack21 kit')
    else:
        result = evaluate_posetrack(gt_frames, pred_frames)
        unscored = sum(p.num_people for g, p in zip(gt_frames, pred_frames)
                       if g.num_people == 0)
        print(f'{len(videos)} videos, {len(gt_frames)} frames '
              f'({sum(f.num_people > 0 for f in gt_frames)} annotated), '
              f'{sum(f.num_people for f in pred_frames)} predicted people '
              f'({unscored} on frames without annotated people: not '
              'scored, as in poseval)')
        _print_ap(result, 'Average Precision (AP)')
    out = _lists(result)
    out['dataset'] = args.dataset
    if args.tracking and pt21:
        hota = evaluate_posetrack21_hota(kit_frames)
        _print_hota(hota)
        out['tracking'] = _hota_out(hota)
    elif args.tracking:
        track = evaluate_tracking(gt_frames, pred_frames)
        _print_tracking(track)
        out['tracking'] = _lists(track)
    if args.jitter:
        jitter = evaluate_jitter(gt_frames, pred_frames)
        print(_table('Acceleration error', list(jitter['summary']),
                     [[f'{v:.2f}' for v in jitter['summary'].values()]]))
        print(f"px/frame^2 over {int(jitter['num_triples'].sum())} matched "
              "joint triples; the ground truth's own acceleration: "
              f"{jitter['gt_summary']['Total']:.2f}")
        out['jitter'] = _lists(jitter)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(finite_json(out), f, indent=2, allow_nan=False)
    return out


if __name__ == '__main__':
    from fami_pose_mm.cli import run_cli
    run_cli(main)
