# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Jitter of tracked poses: the acceleration error against the ground
truth, as the pose-smoothing literature measures it (px / frame^2).

For every ground-truth person and joint, the predicted joint it is matched
to in each frame (the matching of the tracking metric: candidates within
0.5 head sizes, minimum-cost assignment per joint, see
:mod:`.posetrack_mota`) gives a predicted trajectory beside the true one.
Where both exist on three consecutive frames ``t - 1, t, t + 1`` of a
video (consecutive in the file), the acceleration error is::

    || (p[t+1] - 2 p[t] + p[t-1]) - (g[t+1] - 2 g[t] + g[t-1]) ||

in pixels per frame squared: 0 for a prediction that is off by a constant
or a steady drift, large for one that shakes around the truth. Reported
per joint (mean over its triples), as Head ... Ankle group means and Total
(mean over the joints), beside the ground truth's own mean acceleration
and the number of triples. A smoother that cuts jitter lowers it; it does
not reward lag (a lagging prediction errs in position, which the AP
measures).
"""
from collections import OrderedDict, defaultdict
from itertools import groupby
from typing import Dict, Sequence

import numpy as np

from fami_pose_mm.fileio import POSEVAL_JOINTS, PoseTrackFrame
from .posetrack_ap import JOINT_GROUPS
from .posetrack_mota import frame_events, min_cost_matching


def _matched(gt: PoseTrackFrame, pred: PoseTrackFrame,
             dist_thr: float) -> Dict[tuple, tuple]:
    """``{(gt track id, joint): (gt xy, predicted xy)}`` of one frame."""
    out = {}
    gt_row = {int(t): i for i, t in enumerate(gt.track_ids)}
    pred_row = {int(t): i for i, t in enumerate(pred.track_ids)}
    if not gt.num_people or not pred.num_people:
        return out
    for j, (oids, hids, dists) in enumerate(
            frame_events(gt, pred, dist_thr)):
        for r, c in zip(*min_cost_matching(dists)):
            o, h = int(oids[r]), int(hids[c])
            out[(o, j)] = (gt.keypoints[gt_row[o], j],
                           pred.keypoints[pred_row[h], j])
    return out


def evaluate_jitter(gt_frames: Sequence[PoseTrackFrame],
                    pred_frames: Sequence[PoseTrackFrame],
                    dist_thr: float = 0.5) -> dict:
    """Acceleration error of aligned ground-truth and predicted frames.

    Args:
        gt_frames (Sequence[PoseTrackFrame]): Ground truth with
            ``track_ids``, videos one after the other (``video`` tells
            them apart), frames in file order.
        pred_frames (Sequence[PoseTrackFrame]): Predictions with
            ``track_ids``, aligned (see
            :func:`~fami_pose_mm.fileio.load_posetrack18_folders`).
        dist_thr (float): Match threshold in head sizes. Defaults to 0.5.

    Returns:
        dict: per joint ``(15,)`` in ``POSEVAL_JOINTS`` order:
        ``accel_error`` and ``gt_accel`` (px / frame^2, NaN without a
        triple), ``num_triples``; ``joints``; ``summary`` (Head ... Ankle
        group means and Total, the mean over joints with triples, of
        ``accel_error``) and ``gt_summary`` (the same of ``gt_accel``).

    Raises:
        ValueError: If the lists differ in length or a frame with people
            has no track ids.
    """
    if len(gt_frames) != len(pred_frames):
        raise ValueError(f'{len(gt_frames)} ground-truth frames but '
                         f'{len(pred_frames)} prediction frames')
    errors = [[] for _ in range(15)]
    gt_accels = [[] for _ in range(15)]
    for _, group in groupby(range(len(gt_frames)),
                            key=lambda i: gt_frames[i].video):
        # (gt track, joint) -> {position in the video: (gt xy, pred xy)}
        paths: Dict[tuple, Dict[int, tuple]] = defaultdict(dict)
        for t, f in enumerate(group):
            for key, pair in _matched(gt_frames[f], pred_frames[f],
                                      dist_thr).items():
                paths[key][t] = pair
        for (_, j), path in paths.items():
            for t in path:
                if t - 1 in path and t + 1 in path:
                    g, p = (np.array([path[t + d][k] for d in (-1, 0, 1)])
                            for k in (0, 1))
                    gt_acc = g[2] - 2 * g[1] + g[0]
                    errors[j].append(
                        float(np.linalg.norm(p[2] - 2 * p[1] + p[0] -
                                             gt_acc)))
                    gt_accels[j].append(float(np.linalg.norm(gt_acc)))

    def means(values):
        return np.array([np.mean(v) if v else np.nan for v in values])

    result = dict(accel_error=means(errors), gt_accel=means(gt_accels),
                  num_triples=np.array([len(v) for v in errors]),
                  joints=list(POSEVAL_JOINTS))
    result['summary'] = summarize_jitter(result['accel_error'])
    result['gt_summary'] = summarize_jitter(result['gt_accel'])
    return result


def summarize_jitter(per_joint: np.ndarray) -> Dict[str, float]:
    """Head ... Ankle (means over the group's joints with triples) and
    Total (mean over all joints with triples) of a per-joint array."""

    def nan_mean(values: np.ndarray) -> float:
        finite = values[~np.isnan(values)]
        return float(finite.mean()) if len(finite) else float('nan')

    out = OrderedDict((k, nan_mean(per_joint[v]))
                      for k, v in JOINT_GROUPS.items())
    out['Total'] = nan_mean(per_joint)
    return out
