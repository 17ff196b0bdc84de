# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Tracked inference on a split of the synthetic set, scored with the AP
and the tracking metrics (MOTA, keypoint HOTA).

Each video of the split goes through :class:`VideoPoseInferencer` as a
user would run it: its frame folder, the split's detection file (the
boxes ``mim test`` uses, same score threshold), the tracker of the
config; one PoseTrack18 prediction file per video. The files are then
scored against the per-video ground truth (whose people carry their
track ids) with :func:`evaluate_posetrack`, :func:`evaluate_tracking`,
the PoseTrack21 kit's keypoint HOTA (:func:`evaluate_posetrack21_hota`, on
these PoseTrack18-layout files: every frame is labelled) and
:func:`evaluate_jitter` (the acceleration error, px / frame^2); with a
``smooth`` filter (:mod:`fami_pose_mm.apis.track_smoothing`) the same run
filters each track's keypoints.
"""
import os
import os.path as osp
import time
from typing import Dict, Sequence, Union

import numpy as np

from fami_pose_mm.evaluation.functional import (evaluate_jitter,
                                                evaluate_posetrack21_hota,
                                                evaluate_tracking,
                                                load_posetrack18_folders,
                                                prepare_videos)
from .benchmark_eval import evaluate_subsets, mean_std

#: Summary keys kept in the benchmark's results.
TRACKING_KEYS = ('AP', 'degraded AP', 'MOTA', 'HOTA', 'DetA', 'AssA',
                 'MOTP', 'Precision', 'Recall', 'switches', 'accel error')
#: The filter of the main job's smoothed rows, from the candidates of
#: ``tools/synthetic/choose_smoothing.py`` on ``val`` of data seeds 3, 1, 2
#: with model (a): none cost at most 0.5 AP (the camera shake of the
#: synthetic videos is true image motion, which the keypoints must follow:
#: every filter raised the acceleration error), so the rows show the one
#: that cost the least AP (docs/results/smoothing_val.md).
BENCHMARK_SMOOTH = dict(type='one_euro', min_cutoff=0.1, beta=0.05,
                        d_cutoff=0.1)


def run_tracked_inference(
        config: str,
        checkpoint: str,
        data_root: str,
        split: str,
        out_dir: str,
        bbox_thr: float = 0.2,
        smooth: Union[None, str, dict] = None) -> Dict[str, float]:
    """Write ``out_dir/<video>.json`` for every video of ``split``.

    Args:
        config (str): The model's config.
        checkpoint (str): Its weights.
        data_root (str): The generated set.
        split (str): ``'val'`` or ``'test'``.
        out_dir (str): Output folder.
        bbox_thr (float): Lowest detection score kept (the dataset's
            ``det_score_thr``).
        smooth (str | dict, optional): The inferencer's track filter.

    Returns:
        dict: ``videos``, ``frames``, ``persons``, ``person_frames`` and
        ``backbone_crops`` (person-frames and crops through the backbone),
        ``streaming`` (own-crop models stream), ``seconds``.
    """
    from fami_pose_mm.apis import VideoPoseInferencer
    inferencer = VideoPoseInferencer(config, checkpoint, device='cpu')
    gt_dir = osp.join(data_root, 'annotations', split)
    boxes = osp.join(data_root, 'annotations',
                     f'posetrack18_{split}_human_detections.json')
    os.makedirs(out_dir, exist_ok=True)
    stats = dict(videos=0, frames=0, persons=0, person_frames=0,
                 backbone_crops=0, streaming=bool(inferencer.streaming))
    start = time.perf_counter()
    for name in sorted(f[:-5] for f in os.listdir(gt_dir)
                       if f.endswith('.json')):
        frames = osp.join(data_root, 'images', split, name)
        for _ in inferencer(frames, bboxes_file=boxes,
                            bboxes_video=int(name[:6]), bbox_thr=bbox_thr,
                            out_json=osp.join(out_dir, f'{name}.json'),
                            smooth=smooth):
            pass
        stats['videos'] += 1
        stats['frames'] += inferencer.stats['frames']
        stats['persons'] += inferencer.stats['persons']
        stats['person_frames'] += inferencer.stats['person_frames']
        stats['backbone_crops'] += inferencer.stats['backbone_crops']
    stats['seconds'] = time.perf_counter() - start
    return stats


def score_tracked(data_root: str, split: str,
                  pred_dir: str) -> Dict[str, float]:
    """AP and tracking summary of the prediction files of a split.

    Returns:
        dict: ``AP`` (Total), ``degraded AP`` (occluded or blurred joints,
        as in the benchmark's table), ``MOTA`` (Total), keypoint ``HOTA``,
        ``DetA``, ``AssA`` (Total, x100), ``MOTP``, ``Precision``,
        ``Recall``, ``switches`` (all joints) and ``accel error`` (Total,
        px / frame^2).
    """
    gt_dir = osp.join(data_root, 'annotations', split)
    gts, preds, _ = load_posetrack18_folders(gt_dir, pred_dir, tracking=True)
    track = evaluate_tracking(gts, preds)
    summary = track['summary']
    hota = evaluate_posetrack21_hota(prepare_videos(gts, preds))['summary']
    subsets = evaluate_subsets(
        gt_dir, pred_dir,
        osp.join(data_root, 'annotations',
                 f'posetrack18_{split}_joint_flags.json'))
    return dict(AP=subsets['all']['groups']['Total'],  # the official AP
                **{'degraded AP': subsets['degraded']['AP']},
                MOTA=summary['Total'], HOTA=hota['HOTA'],
                DetA=hota['DetA'], AssA=hota['AssA'], MOTP=summary['MOTP'],
                Precision=summary['Precision'], Recall=summary['Recall'],
                switches=int(track['num_switches'].sum()),
                **{'accel error': evaluate_jitter(gts, preds)['summary']
                   ['Total']})


def aggregate_tracking(runs: Sequence[Dict[str, dict]]) -> Dict:
    """Mean and sample std over data seeds of every tracking cell.

    Args:
        runs (Sequence[dict]): One ``{variant: score_tracked(...)}`` per
            data seed, the same variants in each.

    Returns:
        dict: ``{variant: {key: (mean, std, values)}}`` for
        :data:`TRACKING_KEYS`; ``std`` uses ``ddof=1`` (0 for one seed);
        a value saved as null (undefined, e.g. no acceleration triple) is
        NaN.
    """
    if not runs:
        raise ValueError('aggregate_tracking needs at least one run')
    out = {}
    for variant in runs[0]:
        out[variant] = {}
        for key in TRACKING_KEYS:
            values = np.array([np.nan if run[variant][key] is None else
                               run[variant][key] for run in runs], float)
            std = float(values.std(ddof=1)) if len(values) > 1 else 0.0
            out[variant][key] = (float(values.mean()), std, values.tolist())
    return out


def format_tracking_table(agg: Dict) -> str:
    """Markdown table of :func:`aggregate_tracking`, ``mean ± std``
    (:func:`~.benchmark_eval.mean_std`)."""
    lines = ['| tracked inference | ' + ' | '.join(TRACKING_KEYS) + ' |',
             '|' + '---|' * (len(TRACKING_KEYS) + 1)]
    for variant, cells in agg.items():
        lines.append(f'| {variant} | ' + ' | '.join(
            mean_std(cells[k]) for k in TRACKING_KEYS) + ' |')
    return '\n'.join(lines)
