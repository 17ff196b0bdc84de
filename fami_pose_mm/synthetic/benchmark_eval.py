# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""AP of the synthetic benchmark on all, clean, occluded, blurred and
degraded joints.

Predictions are the per-video PoseTrack18 files that ``PoseTrackAPMetric``
writes (``outfile_prefix``); the ground truth is the generator's official
per-video files (``annotations/<split>/``); the joint flags come from
``annotations/posetrack18_<split>_joint_flags.json``.

* ``all``: the official protocol (what ``mim test`` prints as
  ``posetrack18/AP``).
* ``clean`` / ``occluded`` / ``blurred``: the same matching of predictions
  to people, then only the selected ground-truth joints count, and only the
  entries of predictions assigned to those joints
  (``evaluate_posetrack(..., joint_mask, drop_unassigned=True)``), so a
  subset measures how well those joints are localised, without the false
  positives of other people weighing on its precision.
* ``degraded``: occluded or blurred (the union), the joints the temporal
  modules exist for.
"""
import json
import os
import os.path as osp
from typing import Dict, List, Sequence, Tuple

import numpy as np

from fami_pose_mm.evaluation.functional import (evaluate_posetrack,
                                                load_posetrack18_folders)
from fami_pose_mm.fileio import finite_json

SUBSETS = ('all', 'clean', 'occluded', 'blurred', 'degraded')


def load_joint_masks(gt_dir: str, flags_file: str) -> Dict[str, list]:
    """Per-frame ``(G, 17)`` boolean masks of each subset.

    The people of a frame are in the order the ground-truth file lists
    them (the order ``load_posetrack18_video`` keeps).

    Args:
        gt_dir (str): Folder of per-video ground-truth files.
        flags_file (str): The generator's joint-flags JSON.

    Returns:
        dict: ``{'clean'|'occluded'|'blurred'|'degraded': [mask per
        frame]}`` over the videos in sorted file-name order.
    """
    with open(flags_file) as f:
        flags = json.load(f)['annotations']
    masks: Dict[str, List[np.ndarray]] = {
        name: []
        for name in SUBSETS[1:]
    }
    for video in sorted(os.listdir(gt_dir)):
        if not video.endswith('.json'):
            continue
        with open(osp.join(gt_dir, video)) as f:
            gt = json.load(f)
        people: Dict[int, list] = {}
        for ann in gt['annotations']:
            people.setdefault(ann['image_id'], []).append(ann['id'])
        for image in gt['images']:
            ids = people.get(image['id'], [])
            try:
                joint_flags = [flags[str(i)] for i in ids]
            except KeyError as e:
                raise KeyError(f'{flags_file}: no flags for annotation '
                               f'{e.args[0]} of {video}') from None
            occ = np.array([[j['occluded'] for j in p] for p in joint_flags],
                           dtype=bool).reshape(len(ids), 17)
            blur = np.array([[j['blurred'] for j in p] for p in joint_flags],
                            dtype=bool).reshape(len(ids), 17)
            masks['occluded'].append(occ)
            masks['blurred'].append(blur)
            masks['clean'].append(~occ & ~blur)
            masks['degraded'].append(occ | blur)
    return masks


def evaluate_subsets(gt_dir: str, pred_dir: str,
                     flags_file: str) -> Dict[str, dict]:
    """Evaluate one variant's predictions on every subset.

    Args:
        gt_dir (str): Folder of per-video ground-truth files.
        pred_dir (str): Folder of per-video prediction files.
        flags_file (str): The generator's joint-flags JSON.

    Returns:
        dict: ``{subset: {'AP': total, 'groups': {...}, 'num_gt': int}}``;
        ``AP`` is the mean over the joint types that have ground truth in
        the subset (for ``all``: the official Total).
    """
    gts, preds, _ = load_posetrack18_folders(gt_dir, pred_dir)
    masks = load_joint_masks(gt_dir, flags_file)
    results = {}
    for subset in SUBSETS:
        if subset == 'all':
            res = evaluate_posetrack(gts, preds)
        else:
            res = evaluate_posetrack(
                gts, preds, joint_mask=masks[subset], drop_unassigned=True)
        summary = {k: float(v) for k, v in res['summary'].items()}
        # A joint type without any selected ground truth has no AP: leave
        # it out of the subset's mean instead of counting it as 0.
        has_gt = np.asarray(res['num_gt']) > 0
        results[subset] = dict(
            AP=float(np.mean(np.asarray(res['ap'])[has_gt]))
            if has_gt.any() else float('nan'),
            groups=summary,
            num_gt=int(np.sum(res['num_gt'])))
    return results


def save_report(stem: str, table: str, footer: str, record: dict) -> None:
    """Print a table with its footer; save ``<stem>.md`` and ``<stem>.json``.

    Args:
        stem (str): Path without extension, e.g. ``<work_dir>/results``.
        table (str): Markdown table.
        footer (str): What was run: split, seeds, time, command (starts with
            a newline, so that it stands as its own paragraph).
        record (dict): JSON-serialisable numbers and settings.
    """
    print(table + footer)
    with open(f'{stem}.md', 'w') as f:
        f.write(table + '\n' + footer + '\n')
    with open(f'{stem}.json', 'w') as f:
        json.dump(finite_json(record), f, indent=1, allow_nan=False)


def format_table(results: Dict[str, Dict[str, dict]]) -> str:
    """A Markdown table: one row per variant, AP per subset.

    Args:
        results (dict): ``{variant: evaluate_subsets(...)}``.

    Returns:
        str: The table.
    """
    first = next(iter(results.values()))
    head = '| variant | ' + ' | '.join(
        f'{s} AP ({first[s]["num_gt"]} joints)' for s in SUBSETS) + ' |'
    lines = [head, '|' + '---|' * (len(SUBSETS) + 1)]
    for variant, res in results.items():
        cells = ' | '.join(f'{res[s]["AP"]:.1f}' for s in SUBSETS)
        lines.append(f'| {variant} | {cells} |')
    return '\n'.join(lines)


# Each module's step and the full model's gain: (name, with, without), over
# the variants whose titles start with LADDER, in that order.
LADDER = ('(a)', '(b)', '(c)', '(d)')
GAINS = (('GTM: (b) - (a)', 1, 0), ('LCM: (c) - (b)', 2, 1),
         ('MI: (d) - (c)', 3, 2), ('full FAMI: (d) - (a)', 3, 0))


def aggregate_seeds(runs: Sequence[Dict[str, Dict[str, dict]]]) -> Dict:
    """Mean and sample std over data seeds of every cell and every gain.

    Args:
        runs (Sequence[dict]): One ``{variant: evaluate_subsets(...)}`` per
            data seed, the same variants in the same order in each.

    Returns:
        dict: ``{'rows': {variant: {subset: (mean, std, values)}},
        'gains': {gain name: {subset: (mean, std, values)}}}``; ``std`` uses
        ``ddof=1`` (0 for a single seed); ``gains`` holds the rows of
        :data:`GAINS` when the variants are (a)-(d) (titles starting with
        :data:`LADDER`, in order), else each
        later variant minus the first (a single-frame model and the video
        models on it), and is empty for a single variant.
    """
    if not runs:
        raise ValueError('aggregate_seeds needs the results of at least one '
                         'data seed, got none')
    variants = list(runs[0])
    for i, run in enumerate(runs):
        if list(run) != variants:
            raise ValueError(f'seed run {i} has variants {list(run)}, '
                             f'expected {variants}')

    def stats(values: List[float]) -> Tuple[float, float, List[float]]:
        arr = np.asarray(values, dtype=float)
        std = float(arr.std(ddof=1)) if len(arr) > 1 else 0.0
        return float(arr.mean()), std, [float(v) for v in arr]

    rows = {
        v: {s: stats([run[v][s]['AP'] for run in runs])
            for s in SUBSETS}
        for v in variants
    }
    gains = {}
    steps = ()
    if [v[:3] for v in variants] == list(LADDER):  # every step can be formed
        steps = GAINS
    else:  # a single-frame model and the video models on it
        steps = tuple((f'{v} - {variants[0]}', i, 0)
                      for i, v in enumerate(variants[1:], 1))
    for name, hi, lo in steps:
        gains[name] = {
            s: stats([
                run[variants[hi]][s]['AP'] - run[variants[lo]][s]['AP']
                for run in runs
            ])
            for s in SUBSETS
        }
    return dict(rows=rows, gains=gains)


def mean_std(cell: Tuple[float, float, List[float]]) -> str:
    """A ``(mean, std, values)`` cell as ``'mean ± std'``; of one value,
    just the value (one seed has no spread)."""
    mean, std, values = cell
    return f'{mean:.1f} ± {std:.1f}' if len(values) > 1 else f'{mean:.1f}'


def format_seed_table(agg: Dict) -> str:
    """Markdown tables of :func:`aggregate_seeds`: mean +- std per cell.

    Args:
        agg (dict): The output of :func:`aggregate_seeds`.

    Returns:
        str: The variants' table, then the gains' table (when present),
        each cell ``mean ± std`` (:func:`mean_std`).
    """

    def table(first: str, block: Dict) -> List[str]:
        lines = [f'| {first} | ' + ' | '.join(f'{s} AP' for s in SUBSETS) +
                 ' |', '|' + '---|' * (len(SUBSETS) + 1)]
        for name, cells in block.items():
            lines.append(f'| {name} | ' + ' | '.join(
                mean_std(cells[s]) for s in SUBSETS) + ' |')
        return lines

    out = table('variant', agg['rows'])
    if agg['gains']:
        out += [''] + table('gain', agg['gains'])
    return '\n'.join(out)
