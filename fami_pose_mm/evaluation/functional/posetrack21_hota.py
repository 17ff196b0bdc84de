# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Keypoint HOTA of multi-person pose tracking, computed as the
PoseTrack21 kit's ``HOTAeypoints`` (``trackeval/metrics/hota_pose.py``)
computes it.

HOTA (Luiten et al., IJCV 2021) per joint, on the frames of
:mod:`.posetrack21_frames`, each video on its own:

* similarity of a ground-truth and a predicted joint
  ``max(0, 1 - d / 0.5001)``, ``d`` the distance in head sizes (0 unless
  both are present); 19 thresholds ``alpha = 0.05, 0.10, ..., 0.95``;
* per frame and joint, a Hungarian assignment maximising the similarity;
  pairs with similarity ``>= alpha`` are true positives at ``alpha``; the
  rest of the present joints are misses / false positives;
* association per (ground-truth track, predicted track, joint): TPA / (TPA
  + FNA + FPA) from the matches over the video; AssA = its mean over the
  true positives; DetA = TP / (TP + FN + FP); HOTA = sqrt(DetA x AssA);
  LocA = the mean similarity of the true positives; also DetRe, DetPr,
  AssRe, AssPr, RHOTA and the fragment-aware FragA, FA-HOTA, FA-RHOTA.

Per video, a 16th column (Total) is added: the mean over the joints (the
sum for TP / FN / FP). Videos combine as the kit combines them: TP, FN, FP
summed; AssA, AssRe, AssPr, FragA weighted by TP; LocA by TP; then DetA,
HOTA, ... from the combined values. A reported value is 100 x the mean
over the 19 thresholds of a column.

Kept as the kit has them: a frame without ground truth adds the whole
video's predicted joints to FP (and a frame without predictions the whole
video's ground-truth joints to FN), not the frame's. Where the kit stops
with an exception, a video without any prediction (or ground truth)
scores its joints as misses (false positives) here, with LocA 1, and gets
its Total column like any other video (the kit's lacks it, so combining
it with other videos fails). Numpy and scipy only.
"""
from collections import OrderedDict
from typing import Dict, List

import numpy as np
from scipy.optimize import linear_sum_assignment

from .posetrack21_frames import KIT_JOINTS, KitFrame

#: The kit's thresholds (``np.arange(0.05, 0.99, 0.05)``, 19 values).
ALPHAS = np.arange(0.05, 0.99, 0.05)
#: Distance (in head sizes) at which the similarity reaches 0.
ZERO_SIMILARITY_DISTANCE = 0.5001
#: The kit's fields: per (threshold, joint) floats and integers.
FLOAT_FIELDS = ('HOTA', 'DetA', 'AssA', 'FragA', 'DetRe', 'DetPr', 'AssRe',
                'AssPr', 'LocA', 'RHOTA', 'FA-HOTA', 'FA-RHOTA')
COUNT_FIELDS = ('HOTA_TP', 'HOTA_FN', 'HOTA_FP')
#: The fields averaged over videos with weight TP.
WEIGHTED_FIELDS = ('AssRe', 'AssPr', 'AssA', 'FragA')
#: ``summary`` of :func:`evaluate_posetrack21_hota`, in this order.
SUMMARY_FIELDS = ('HOTA', 'DetA', 'AssA', 'LocA', 'DetRe', 'DetPr', 'AssRe',
                  'AssPr', 'RHOTA', 'FragA', 'FA-HOTA', 'FA-RHOTA')
EPS = np.finfo('float').eps


def similarity(dist: np.ndarray) -> np.ndarray:
    """The kit's joint similarity of distances in head sizes."""
    return np.maximum((-1 / ZERO_SIMILARITY_DISTANCE) * dist + 1, 0)


def _relabel(ids: List[np.ndarray]) -> tuple:
    """Per-frame ids mapped to ``0 .. n - 1`` (sorted original ids)."""
    unique = np.unique(np.concatenate(ids)) if ids else np.zeros(0, int)
    return [np.searchsorted(unique, i) for i in ids], len(unique)


def _check_ids(frames: List[KitFrame], video: str) -> None:
    """Both sides need track ids."""
    for frame in frames:
        for side, ids in (('ground-truth', frame.gt_ids),
                          ('prediction', frame.pred_ids)):
            if ids is None:
                raise ValueError(f'{video}: the {side} frames were read '
                                 'without track ids (tracking=True)')


def _empty_result(num_gt_joints: np.ndarray,
                  num_pred_joints: np.ndarray) -> Dict[str, np.ndarray]:
    """A video without predictions or without ground truth."""
    shape = (len(ALPHAS), len(KIT_JOINTS))
    res = {f: np.zeros(shape) for f in FLOAT_FIELDS + COUNT_FIELDS}
    res['HOTA_FN'] = num_gt_joints[None] * np.ones(shape)
    res['HOTA_FP'] = num_pred_joints[None] * np.ones(shape)
    res['LocA'] = np.ones(shape)
    return res


def evaluate_video(frames: List[KitFrame], video: str = '') -> dict:
    """The kit's ``eval_sequence`` for one video.

    Args:
        frames (list[KitFrame]): The video's prepared labelled frames, read
            with track ids.
        video (str): The video, for messages.

    Returns:
        dict: Each of ``FLOAT_FIELDS`` and ``COUNT_FIELDS`` as ``(19, 16)``
        (15 joints + Total), and ``HOTA(0)``, ``LocA(0)``,
        ``HOTALocA(0)`` ``(16,)``.
    """
    _check_ids(frames, video)
    num_joints, num_alphas = len(KIT_JOINTS), len(ALPHAS)
    gt_ids, num_gt_ids = _relabel([f.gt_ids for f in frames])
    pred_ids, num_pred_ids = _relabel([f.pred_ids for f in frames])
    gt_present = [f.gt_present for f in frames]
    pred_present = [f.pred_present for f in frames]
    num_gt_joints = sum((p.sum(axis=0) for p in gt_present),
                        np.zeros(num_joints, np.int64))
    num_pred_joints = sum((p.sum(axis=0) for p in pred_present),
                          np.zeros(num_joints, np.int64))
    if not sum(len(i) for i in pred_ids) or not sum(len(i) for i in gt_ids):
        return _final_fields(_empty_result(num_gt_joints, num_pred_joints),
                             with_total=True)

    sims = [similarity(f.dist) for f in frames]
    gt_count = np.zeros((num_gt_ids, 1, num_joints))
    pred_count = np.zeros((1, num_pred_ids, num_joints))
    for sim, g, p, g_has, p_has in zip(sims, gt_ids, pred_ids, gt_present,
                                       pred_present):
        gt_count[g, 0] += g_has
        pred_count[0, p] += p_has

    shape = (num_alphas, num_joints)
    res = {f: np.zeros(shape) for f in FLOAT_FIELDS + COUNT_FIELDS}
    matches = np.zeros((num_alphas, num_gt_ids, num_pred_ids, num_joints))
    # Fragments: per (alpha, gt track, predicted track, joint), the length
    # of the current run of matches and the sum of squared run lengths.
    last_match = -np.ones((num_alphas, num_gt_ids, num_joints), np.int64)
    run = np.zeros(matches.shape, np.int64)
    run_squares = np.zeros(matches.shape, np.int64)
    for sim, g, p, g_has, p_has in zip(sims, gt_ids, pred_ids, gt_present,
                                       pred_present):
        if not len(g):
            res['HOTA_FP'] += num_pred_joints
            continue
        if not len(p):
            res['HOTA_FN'] += num_gt_joints
            continue
        gt_t, pred_t = g_has.sum(axis=0), p_has.sum(axis=0)
        for j in range(num_joints):
            rows, cols = linear_sum_assignment(-sim[:, :, j])
            values = sim[rows, cols, j]
            # every threshold at once: (alpha, assigned pair)
            ok = values[None] >= ALPHAS[:, None] - EPS
            num = ok.sum(axis=1)
            res['HOTA_TP'][:, j] += num
            res['HOTA_FN'][:, j] += gt_t[j] - num
            res['HOTA_FP'][:, j] += pred_t[j] - num
            res['LocA'][:, j] += (ok * values[None]).sum(axis=1)
            a, k = np.nonzero(ok)
            m_gt, m_pred = g[rows[k]], p[cols[k]]
            matches[a, m_gt, m_pred, j] += 1
            new = last_match[a, m_gt, j] != m_pred
            last_match[a[new], m_gt[new], j] = m_pred[new]
            run[a[new], m_gt[new], m_pred[new], j] = 0
            run_squares[a, m_gt, m_pred, j] += 2 * run[a, m_gt, m_pred, j] + 1
            run[a, m_gt, m_pred, j] += 1

    tp = np.maximum(1, res['HOTA_TP'])
    for a in range(num_alphas):
        count = matches[a]
        union = np.maximum(1, gt_count + pred_count - count)
        res['AssA'][a] = (count * (count / union)).sum(axis=(0, 1)) / tp[a]
        res['AssRe'][a] = (count * (count / np.maximum(1, gt_count))).sum(
            axis=(0, 1)) / tp[a]
        res['AssPr'][a] = (count * (count / np.maximum(1, pred_count))).sum(
            axis=(0, 1)) / tp[a]
        res['FragA'][a] = (run_squares[a] / union).sum(axis=(0, 1)) / tp[a]
    res['LocA'] = np.maximum(1e-10, res['LocA']) / np.maximum(
        1e-10, res['HOTA_TP'])
    return _final_fields(res, with_total=True)


def _final_fields(res: dict, with_total: bool) -> dict:
    """DetRe ... FA-RHOTA from the counts and AssA / FragA; with
    ``with_total``, the Total column appended (a video's result)."""
    tp, fn, fp = res['HOTA_TP'], res['HOTA_FN'], res['HOTA_FP']
    res['DetRe'] = tp / np.maximum(1, tp + fn)
    res['DetPr'] = tp / np.maximum(1, tp + fp)
    res['DetA'] = tp / np.maximum(1, tp + fn + fp)
    res['HOTA'] = np.sqrt(res['DetA'] * res['AssA'])
    res['RHOTA'] = np.sqrt(res['DetRe'] * res['AssA'])
    res['FA-HOTA'] = np.sqrt(res['DetA'] * np.sqrt(res['AssA'] *
                                                   res['FragA']))
    res['FA-RHOTA'] = np.sqrt(res['DetRe'] *
                              np.sqrt(res['AssA'] * res['FragA']))
    res['HOTA(0)'] = res['HOTA'][0]
    res['LocA(0)'] = res['LocA'][0]
    res['HOTALocA(0)'] = res['HOTA(0)'] * res['LocA(0)']
    if with_total:
        for field in FLOAT_FIELDS:
            res[field] = np.append(
                res[field], res[field].mean(axis=1, keepdims=True), axis=1)
        for field in COUNT_FIELDS:
            res[field] = np.append(
                res[field], res[field].sum(axis=1, keepdims=True), axis=1)
        for field in ('HOTA(0)', 'LocA(0)', 'HOTALocA(0)'):
            res[field] = np.append(res[field], res[field].mean())
    return res


def combine_videos(per_video: Dict[str, dict]) -> dict:
    """The kit's ``combine_sequences`` of per-video results."""
    results = list(per_video.values())
    res = {f: sum(r[f] for r in results) for f in COUNT_FIELDS}
    tp = res['HOTA_TP']
    for field in WEIGHTED_FIELDS:
        res[field] = sum(r[field] * r['HOTA_TP']
                         for r in results) / np.maximum(1.0, tp)
    res['LocA'] = np.maximum(
        1e-10, sum(r['LocA'] * r['HOTA_TP']
                   for r in results)) / np.maximum(1e-10, tp)
    return _final_fields(res, with_total=False)


def evaluate_posetrack21_hota(videos: Dict[str, List[KitFrame]]) -> dict:
    """Keypoint HOTA over all videos, as the kit reports it.

    Args:
        videos (dict): video -> prepared frames with track ids
            (:func:`~.posetrack21_frames.prepare_videos` of frames read
            with ``tracking=True``).

    Returns:
        dict: ``alphas`` ``(19,)``; ``joints`` (the 15 names + Total);
        ``per_alpha``: each field ``(19, 16)``; ``per_joint``: each field's
        100 x mean over the thresholds ``(16,)`` (counts: the mean,
        truncated as the kit prints them); ``summary``: the Total of
        ``per_joint`` for each of ``SUMMARY_FIELDS`` and ``HOTA(0)``,
        ``LocA(0)``, ``HOTALocA(0)`` (x100).
    """
    if not videos:
        raise ValueError('no video to evaluate')
    per_video = {name: evaluate_video(frames, name)
                 for name, frames in videos.items()}
    res = combine_videos(per_video)
    per_joint = OrderedDict()
    for field in FLOAT_FIELDS:
        per_joint[field] = 100 * res[field].mean(axis=0)
    for field in COUNT_FIELDS:
        per_joint[field] = res[field].mean(axis=0).astype(np.int64)
    summary = OrderedDict(
        (field, float(per_joint[field][-1])) for field in SUMMARY_FIELDS)
    for field in ('HOTA(0)', 'LocA(0)', 'HOTALocA(0)'):
        summary[field] = float(100 * res[field][-1])
    return dict(
        alphas=ALPHAS.copy(),
        joints=list(KIT_JOINTS) + ['Total'],
        per_alpha=OrderedDict(
            (f, res[f]) for f in FLOAT_FIELDS + COUNT_FIELDS),
        per_joint=per_joint,
        summary=summary,
        num_videos=len(per_video))
