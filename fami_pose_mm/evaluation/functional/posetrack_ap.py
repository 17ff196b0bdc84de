# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""PoseTrack multi-person pose AP, computed as the official ``poseval``.

Protocol (``poseval``'s ``evaluateAP``), see ``docs/evaluation.md``:

1. Only frames whose ground truth holds at least one person count.
2. Joints (of both sides) inside an ignore polygon of the frame are
   removed.
3. Per frame, a predicted joint matches a ground-truth joint when their
   distance is at most ``0.5 x`` head size, head size ``= 0.6 x`` the
   diagonal of the ground-truth head box. Each (prediction, person) pair
   scores the fraction of the person's annotated joints matched; each
   prediction keeps its best person only, then each person takes the
   prediction with the highest remaining fraction (0 means none).
4. Every present predicted joint is one (score, true/false positive)
   entry: true if its prediction is assigned and the joint matches.
5. AP per joint over all frames: all-points VOC AP with the monotone
   precision envelope, x100; the number of positives is the number of
   annotated ground-truth joints.
"""
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

import numpy as np

from fami_pose_mm.fileio import (MISSING_SCORE, POSEVAL_GROUPS,
                                 POSEVAL_JOINTS, SLOT_OF_JOINT, PoseTrackFrame)

#: Reported groups: name -> joint indices in ``POSEVAL_JOINTS`` order, in
#: the order ``poseval`` averages them.
JOINT_GROUPS = OrderedDict(
    (group, [POSEVAL_JOINTS.index(name) for name in names])
    for group, names in POSEVAL_GROUPS.items())


def inside_regions(points: np.ndarray,
                   regions: List[np.ndarray]) -> np.ndarray:
    """Whether points ``(..., 2)`` lie strictly inside any polygon
    ``(M, 2)`` of ``regions``; bool ``(...)``."""
    import shapely
    inside = np.zeros(points.shape[:-1], dtype=bool)
    for region in regions:
        if len(region) < 3:  # no interior (poseval's shapely call fails)
            continue
        inside |= shapely.contains_xy(
            shapely.Polygon(region), points[..., 0], points[..., 1])
    return inside


def joint_distances(gt: PoseTrackFrame, need_head: np.ndarray,
                    pred: PoseTrackFrame, pred_people: np.ndarray,
                    people: Optional[np.ndarray] = None) -> np.ndarray:
    """Joint distances in head sizes, head size ``= 0.6 x`` the diagonal
    of the ground-truth head box.

    Args:
        gt (PoseTrackFrame): Ground truth with G people.
        need_head (np.ndarray): Indices of the people who must have a head
            box (those with annotated joints).
        pred (PoseTrackFrame): Prediction.
        pred_people (np.ndarray): Indices ``(P,)`` of the predicted people.
        people (np.ndarray, optional): Indices ``(G',)`` of the
            ground-truth people; None = ``need_head``.

    Returns:
        np.ndarray: ``(P, G', 15)``; NaN or inf where the head size is 0.

    Raises:
        ValueError: If a person of ``need_head`` has no ``bbox_head``.
    """
    people = need_head if people is None else people
    heads = gt.head_boxes
    if np.isnan(heads[need_head]).any():
        raise ValueError(f'{gt.name}: a person with annotated joints has no '
                         'bbox_head')
    heads = heads[people]
    head_size = 0.6 * np.sqrt((heads[:, 2] - heads[:, 0])**2 +
                              (heads[:, 3] - heads[:, 1])**2)
    # (P, G', 15, 2)
    diff = pred.keypoints[pred_people][:, None] - gt.keypoints[people][None]
    with np.errstate(divide='ignore', invalid='ignore'):
        return np.sqrt(diff[..., 0]**2 + diff[..., 1]**2) / \
            head_size[None, :, None]


def match_frame(gt: PoseTrackFrame, gt_valid: np.ndarray,
                pred: PoseTrackFrame, pred_valid: np.ndarray,
                dist_thr: float = 0.5) -> tuple:
    """Assign predictions to ground-truth people in one frame.

    Args:
        gt (PoseTrackFrame): Ground truth with G people.
        gt_valid (np.ndarray): Annotated joints after ignore regions,
            bool ``(G, 15)``.
        pred (PoseTrackFrame): Prediction with P people.
        pred_valid (np.ndarray): Present joints after ignore regions,
            bool ``(P, 15)``.
        dist_thr (float): Match threshold in head sizes.

    Returns:
        tuple: ``labels`` bool ``(P, 15)`` (joint is a true positive) and
        ``assigned`` int ``(P,)`` (person index of each prediction, -1 if
        none).
    """
    num_pred, num_gt = len(pred_valid), len(gt_valid)
    labels = np.zeros((num_pred, 15), dtype=bool)
    assigned = np.full(num_pred, -1)
    if num_pred == 0 or num_gt == 0:
        return labels, assigned
    dist = joint_distances(gt, np.flatnonzero(gt_valid.any(1)), pred,
                           np.arange(num_pred), people=np.arange(num_gt))
    both = pred_valid[:, None] & gt_valid[None]
    match = both & (dist <= dist_thr)  # NaN (0 / 0) never matches
    num_annotated = gt_valid.sum(1)
    pck = match.sum(2).astype(np.float64)
    pck = np.divide(pck, num_annotated[None], out=pck,
                    where=num_annotated[None] > 0)
    rows = np.arange(num_pred)
    best = pck.argmax(1)  # each prediction keeps its best person
    kept = np.zeros_like(pck)
    kept[rows, best] = pck[rows, best]
    winner = kept.argmax(0)  # each person takes its best prediction
    has_winner = kept.max(0) > 0
    people = np.flatnonzero(has_winner)
    assigned[winner[people]] = people
    hit = assigned >= 0
    labels[hit] = match[rows[hit], assigned[hit]]
    return labels, assigned


def voc_ap(scores: np.ndarray, labels: np.ndarray, num_gt: float) -> tuple:
    """All-points VOC AP of scored detections, x100 (``poseval``).

    Detections are ranked by ``np.argsort(scores)[::-1]``, the very call
    ``poseval`` makes, so equal scores are ordered exactly as ``poseval``
    orders them on the same machine (numpy's default sort is not stable
    and its tie order may differ between CPUs; see docs/evaluation.md).

    Args:
        scores (np.ndarray): Detection scores ``(N,)``.
        labels (np.ndarray): True positive flags ``(N,)``.
        num_gt (float): Number of positives.

    Returns:
        tuple: AP, final precision, final recall, all x100. AP is 0 without
        detections and NaN with detections but ``num_gt == 0``.
    """
    if len(scores) == 0:
        return 0.0, 0.0, 0.0
    order = np.argsort(scores)[::-1]
    tp = np.cumsum(labels[order])
    with np.errstate(divide='ignore', invalid='ignore'):
        recall = tp / np.float64(num_gt)
    precision = tp / np.arange(1, len(tp) + 1, dtype=np.float64)
    mpre = np.concatenate([[0.0], precision, [0.0]])
    mrec = np.concatenate([[0.0], recall, [1.0]])
    mpre = np.maximum.accumulate(mpre[::-1])[::-1]
    idx = np.flatnonzero(mrec[1:] != mrec[:-1]) + 1
    ap = np.sum((mrec[idx] - mrec[idx - 1]) * mpre[idx])
    return float(ap * 100), float(precision[-1] * 100), float(recall[-1] * 100)


def summarize(ap: np.ndarray) -> Dict[str, float]:
    """Group APs: Head ... Ankle (means, NaN-propagating) and Total.

    Args:
        ap (np.ndarray): Per-joint AP ``(15,)`` in ``POSEVAL_JOINTS`` order.

    Returns:
        dict: ``Head, Shoulder, Elbow, Wrist, Hip, Knee, Ankle, Total``;
        Total is the mean over joints whose AP is not NaN.
    """
    out = OrderedDict((k, float(ap[v].mean())) for k, v in JOINT_GROUPS.items())
    finite = ap[~np.isnan(ap)]
    out['Total'] = float(finite.mean()) if len(finite) else float('nan')
    return out


def _to_joints(mask: np.ndarray, where: str) -> np.ndarray:
    """A joint mask ``(N, 15)`` or ``(N, 17)`` (slots) -> ``(N, 15)``."""
    mask = np.asarray(mask, dtype=bool)
    if mask.ndim != 2 or mask.shape[1] not in (15, 17):
        raise ValueError(f'{where}: joint_mask must be (N, 15) or (N, 17), '
                         f'got {mask.shape}')
    return mask[:, SLOT_OF_JOINT] if mask.shape[1] == 17 else mask


def evaluate_posetrack(gt_frames: Sequence[PoseTrackFrame],
                       pred_frames: Sequence[PoseTrackFrame],
                       joint_mask: Optional[Sequence[np.ndarray]] = None,
                       drop_unassigned: bool = False,
                       dist_thr: float = 0.5) -> dict:
    """PoseTrack per-joint AP of aligned ground-truth and predicted frames.

    Args:
        gt_frames (Sequence[PoseTrackFrame]): Ground truth, one per frame.
        pred_frames (Sequence[PoseTrackFrame]): Predictions, aligned
            (``scores=None`` means no scores: ``-9999`` as in ``poseval``).
        joint_mask (Sequence[np.ndarray], optional): Per frame, bool
            ``(G, 17)`` (slot layout) or ``(G, 15)`` (``POSEVAL_JOINTS``)
            selecting the ground-truth joints that count. Matching always
            uses all annotated joints; then unselected annotated joints
            leave the positives and the entries of predictions assigned to
            them are dropped. ``None`` = all (the official protocol).
        drop_unassigned (bool): With a mask, also drop entries that belong
            to no selected joint (unassigned predictions, and joints the
            assigned person has unannotated). Defaults to False.
        dist_thr (float): Match threshold in head sizes. Defaults to 0.5.

    Returns:
        dict: ``ap``, ``precision``, ``recall`` (``(15,)``, x100),
        ``num_gt`` and ``num_pred`` (``(15,)``), ``joints`` (names) and
        ``summary`` (see :func:`summarize`).
    """
    if len(gt_frames) != len(pred_frames):
        raise ValueError(f'{len(gt_frames)} ground-truth frames but '
                         f'{len(pred_frames)} prediction frames')
    if joint_mask is not None and len(joint_mask) != len(gt_frames):
        raise ValueError(f'joint_mask has {len(joint_mask)} frames, '
                         f'expected {len(gt_frames)}')
    num_gt = np.zeros(15)
    scores, labels, keeps = [], [], []
    for f, (gt, pred) in enumerate(zip(gt_frames, pred_frames)):
        if gt.num_people == 0:
            continue
        gt_valid, pred_valid = gt.valid.copy(), pred.valid.copy()
        if gt.ignore_regions:
            gt_valid &= ~inside_regions(gt.keypoints, gt.ignore_regions)
            pred_valid &= ~inside_regions(pred.keypoints, gt.ignore_regions)
        selected = gt_valid
        if joint_mask is not None:
            mask = _to_joints(joint_mask[f], gt.name)
            if len(mask) != gt.num_people:
                raise ValueError(f'{gt.name}: joint_mask has {len(mask)} '
                                 f'people, ground truth {gt.num_people}')
            selected = gt_valid & mask
        num_gt += selected.sum(0)
        if pred.num_people == 0:
            continue
        label, assigned = match_frame(gt, gt_valid, pred, pred_valid,
                                      dist_thr)
        keep = pred_valid.copy()
        if joint_mask is not None:
            hit = assigned >= 0
            person = assigned[hit]
            keep[hit] &= ~(gt_valid[person] & ~selected[person])
            if drop_unassigned:
                keep[~hit] = False
                keep[hit] &= selected[person]
        scores.append(
            np.full((pred.num_people, 15), MISSING_SCORE)
            if pred.scores is None else pred.scores)
        labels.append(label)
        keeps.append(keep)
    result = dict(ap=np.zeros(15), precision=np.zeros(15),
                  recall=np.zeros(15), num_gt=num_gt,
                  num_pred=np.zeros(15, dtype=np.int64),
                  joints=list(POSEVAL_JOINTS))
    if scores:
        scores, labels = np.concatenate(scores), np.concatenate(labels)
        keeps = np.concatenate(keeps)
        for j in range(15):
            sel = keeps[:, j]
            ap, pre, rec = voc_ap(scores[sel, j], labels[sel, j], num_gt[j])
            result['ap'][j], result['precision'][j] = ap, pre
            result['recall'][j] = rec
            result['num_pred'][j] = sel.sum()
    result['summary'] = summarize(result['ap'])
    return result
