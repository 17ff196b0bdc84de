# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""PoseTrack21 pose mAP, computed as the PoseTrack21 kit's ``PosemAP``
(``trackeval/metrics/map.py``) computes it.

On the frames of :mod:`.posetrack21_frames`, per labelled frame with
ground truth and predictions:

1. Each (ground truth, prediction) pair scores its PCKh: the fraction of
   the person's present joints within 0.5 head sizes.
2. Each prediction keeps its best person only (the first on ties); each
   person then takes the prediction with the highest remaining score (0
   means none).
3. Every present predicted joint is one (score, label) entry: label true
   if its prediction is assigned and the joint is within 0.5 head sizes.

AP per joint over all videos: all-points VOC AP of the entries ranked by
``np.argsort(scores)[::-1]`` (the kit's call), positives = the present
ground-truth joints (at least 1), x100; a joint without entries scores 0.
Total = mean over the 15 joints; groups as PoseTrack18's (Head = nose,
head_bottom, head_top). Unlike ``poseval`` (PoseTrack18), frames count
when ``is_labeled``, whether or not they hold a person, and a person
without a present joint still takes part in step 2. The predictions of a
frame without ground truth are false positives (the kit stops there with
a ``NameError``). Numpy only.
"""
from collections import OrderedDict
from typing import Dict, List, Sequence

import numpy as np

from fami_pose_mm.fileio import POSEVAL_GROUPS
from .posetrack21_frames import KIT_JOINTS, MATCH_DISTANCE, KitFrame
from .posetrack_ap import voc_ap

#: Reported groups: name -> indices in :data:`KIT_JOINTS`.
KIT_GROUPS = OrderedDict((group, [KIT_JOINTS.index(n) for n in names])
                         for group, names in POSEVAL_GROUPS.items())


def frame_entries(frame: KitFrame) -> tuple:
    """The (score, label) entries of one frame (steps 1-3).

    Returns:
        tuple: scores ``(P, 15)``, labels bool ``(P, 15)`` and which
        entries exist (present predicted joints) bool ``(P, 15)``.
    """
    has_pred = frame.pred_present
    labels = np.zeros(has_pred.shape, dtype=bool)
    num_gt, num_pred = frame.dist.shape[:2]
    if num_gt and num_pred:
        match = frame.dist <= MATCH_DISTANCE  # (G, P, 15)
        annotated = frame.gt_present.sum(axis=1)
        pck = match.sum(axis=2).astype(np.float64)
        pck[annotated > 0] /= annotated[annotated > 0, None]
        pck = pck.T  # (P, G)
        best = np.argmax(pck, axis=1)
        kept = np.zeros_like(pck)
        rows = np.arange(num_pred)
        kept[rows, best] = pck[rows, best]
        taken = np.argmax(kept, axis=0)  # per person: its prediction
        for person in np.flatnonzero(kept.max(axis=0) != 0):
            labels[taken[person]] = match[person, taken[person]]
    return frame.scores, labels, has_pred


def evaluate_posetrack21_map(videos: Dict[str, List[KitFrame]]) -> dict:
    """The kit's mAP over all videos.

    Args:
        videos (dict): video -> prepared frames, in the kit's (sorted)
            order (:func:`~.posetrack21_frames.prepare_videos`).

    Returns:
        dict: ``joints`` (the 15 names + ``'Total'``), ``ap``,
        ``precision``, ``recall`` (``(16,)``, x100; precision and recall at
        the last entry, as the kit reports them), ``num_gt``, ``num_pred``
        (``(15,)``), and ``summary`` (Head, Shoulder, Elbow, Wrist, Hip,
        Knee, Ankle, Total: means of ``ap`` over each group; Total = the
        mean over the 15 joints).
    """
    scores: List[List[np.ndarray]] = [[] for _ in KIT_JOINTS]
    labels: List[List[np.ndarray]] = [[] for _ in KIT_JOINTS]
    num_gt = np.zeros(len(KIT_JOINTS), dtype=np.int64)
    for frames in videos.values():
        for frame in frames:
            num_gt += frame.gt_present.sum(axis=0)
            s, lab, has = frame_entries(frame)
            for j in range(len(KIT_JOINTS)):
                scores[j].append(s[has[:, j], j])
                labels[j].append(lab[has[:, j], j])
    ap, precision, recall = (np.zeros(len(KIT_JOINTS) + 1) for _ in range(3))
    num_pred = np.zeros(len(KIT_JOINTS), dtype=np.int64)
    for j in range(len(KIT_JOINTS)):
        s = np.concatenate(scores[j]) if scores[j] else np.zeros(0)
        lab = np.concatenate(labels[j]) if labels[j] else np.zeros(0, bool)
        num_pred[j] = len(s)
        ap[j], precision[j], recall[j] = voc_ap(s, lab.astype(np.float64),
                                                max(int(num_gt[j]), 1))
    for values in (ap, precision, recall):
        values[-1] = values[:-1].mean()
    return dict(
        joints=list(KIT_JOINTS) + ['Total'],
        ap=ap,
        precision=precision,
        recall=recall,
        num_gt=num_gt,
        num_pred=num_pred,
        summary=summarize_map(ap))


def summarize_map(ap: Sequence[float]) -> 'OrderedDict[str, float]':
    """Head ... Ankle (group means of the 15 joints' AP) and Total (the
    16th entry: the mean over the joints), as the kit's table."""
    ap = np.asarray(ap, dtype=np.float64)
    out = OrderedDict((group, float(ap[idx].mean()))
                      for group, idx in KIT_GROUPS.items())
    out['Total'] = float(ap[len(KIT_JOINTS)])
    return out
