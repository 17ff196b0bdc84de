# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Evaluate PoseTrack18 prediction files against the official ground truth.

Both folders hold one PoseTrack18-format JSON file per video, with the
same file names (the format the evaluation server and ``poseval`` read)::

    python tools/eval_posetrack.py data/posetrack18/annotations/val/ \\
        work_dirs/fami/results/ [--out ap.json]

Prints the per-joint and the Head ... Ankle / Total AP table, computed as
the official ``poseval`` computes it (see docs/evaluation.md). A bad file
stops the command with an error naming the file, annotation and field;
what ``poseval`` tolerates (missing scores, extra prediction files, ...)
is scored as ``poseval`` scores it and reported with a warning that counts
it.
"""
import warnings

warnings.filterwarnings(  # mmengine imports pkg_resources: hide only that
    'ignore', message='pkg_resources is deprecated as an API',
    category=UserWarning)

import argparse
import json
import sys
from typing import List, Optional

from terminaltables import AsciiTable

from fami_pose_mm.evaluation.functional import evaluate_posetrack
from fami_pose_mm.fileio import load_posetrack18_folders


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Command line arguments."""
    parser = argparse.ArgumentParser(
        description='PoseTrack18 multi-person pose AP (poseval protocol)')
    parser.add_argument('gt_dir', help='folder of ground-truth video files')
    parser.add_argument('pred_dir', help='folder of prediction video files')
    parser.add_argument('--out', help='write the numbers to this JSON file')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> dict:
    """Run the evaluation; returns the result dict of
    :func:`evaluate_posetrack` (arrays as lists)."""
    args = parse_args(argv)
    gt_frames, pred_frames, videos = load_posetrack18_folders(
        args.gt_dir, args.pred_dir)
    result = evaluate_posetrack(gt_frames, pred_frames)
    rows = [['joint', 'AP', 'precision', 'recall', '#GT', '#pred']]
    for j, name in enumerate(result['joints']):
        rows.append([
            name, f"{result['ap'][j]:.2f}", f"{result['precision'][j]:.2f}",
            f"{result['recall'][j]:.2f}", int(result['num_gt'][j]),
            int(result['num_pred'][j])
        ])
    summary = result['summary']
    unscored = sum(p.num_people for g, p in zip(gt_frames, pred_frames)
                   if g.num_people == 0)
    print(f'{len(videos)} videos, {len(gt_frames)} frames '
          f'({sum(f.num_people > 0 for f in gt_frames)} annotated), '
          f'{sum(f.num_people for f in pred_frames)} predicted people '
          f'({unscored} on frames without annotated people: not scored, as '
          'in poseval)')
    print(AsciiTable(rows, 'Per joint').table)
    print(AsciiTable([list(summary), [f'{v:.1f}' for v in summary.values()]],
                     'Average Precision (AP)').table)
    out = {k: (v.tolist() if hasattr(v, 'tolist') else v)
           for k, v in result.items()}
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(out, f, indent=2)
    return out


if __name__ == '__main__':
    main(sys.argv[1:])
