# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""PoseTrack multi-person pose tracking (MOTA), computed as ``poseval``.

Protocol (``poseval``'s ``evaluateTracking`` with ``motmetrics`` 1.4,
the current release), see ``docs/evaluation.md``:

1. Frames: those whose ground truth lists at least one person, in file
   order; the **last** such frame of every video is left out
   (``imgidxs[:-1]``). Each video has its own accumulator per joint, so
   track ids need only be unique within a video.
2. People: a person who lists no joints at all (``annolist`` without
   ``annopoints``) is not a person. In a frame with ignore regions,
   joints inside one are removed, and then people (ground truth and
   predicted) with no joint left.
3. Per joint, the ground-truth people annotating it are the objects, the
   predicted people having it are the hypotheses; a pair is a candidate
   when the distance is at most ``0.5 x`` head size (as for the AP). A
   frame with no ground-truth or no predicted person instead counts, for
   every joint, one object and one hypothesis (id 0) that never match:
   ``poseval`` writes such frames that way, whatever the number of people.
4. Per joint and video, the CLEAR-MOT accumulation of ``motmetrics``'
   ``MOTAccumulator.update``: pairs of the previous match are kept when
   still candidates; the rest are matched with a minimum-cost assignment
   of the largest size (``scipy``'s solver, as ``motmetrics`` uses it);
   a match of an object whose last hypothesis differs is a switch;
   unmatched objects are misses, unmatched hypotheses false positives.
5. Per joint over all videos: ``MOTA = 100 (1 - (misses + switches +
   FP) / objects)``, ``MOTP = 100 (1 - D / (matches + switches))``,
   ``Precision = 100 det / (det + FP)``, ``Recall = 100 det / objects``
   with ``det = matches + switches``. ``D`` sums the distances of every
   event row ``motmetrics`` records: the candidate pairs, the matches
   and switches, and its TRANSFER, ASCEND and MIGRATE rows. Totals are
   means over the joints that are not NaN; the groups (Head ... Ankle)
   are means that propagate NaN, as ``poseval`` prints them.
"""
import warnings
from collections import OrderedDict
from itertools import groupby
from typing import Dict, List, Sequence, Set, Tuple

import numpy as np

from fami_pose_mm.fileio import POSEVAL_JOINTS, PoseTrackFrame
from .posetrack_ap import JOINT_GROUPS, inside_regions, joint_distances

#: Counts accumulated per joint.
COUNTS = ('num_misses', 'num_switches', 'num_false_positives', 'num_objects',
          'num_detections')


def min_cost_matching(costs: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Largest minimum-cost assignment over the finite entries of ``costs``.

    ``motmetrics``' ``lsa_solve_scipy``: a non-finite entry costs more
    than any assignment of finite ones, so the assignment is as large as
    possible; the pairs it lands on non-finite entries are dropped.

    Args:
        costs (np.ndarray): ``(O, H)``, NaN or inf = not a candidate.

    Returns:
        tuple: row and column indices of the pairs, int ``(K,)`` each.
    """
    from scipy.optimize import linear_sum_assignment
    valid = np.isfinite(costs)
    if not valid.any():
        return np.zeros(0, dtype=int), np.zeros(0, dtype=int)
    large = 2 * min(costs.shape) * (np.abs(costs[valid]).max() + 1) + 1
    rows, cols = linear_sum_assignment(np.where(valid, costs, large))
    keep = valid[rows, cols]
    return rows[keep], cols[keep]


class ClearMotAccumulator:
    """Event counts of one joint of one video (``motmetrics``
    ``MOTAccumulator`` with ``max_switch_time=inf``, 1.4 semantics).

    Attributes:
        counts (dict): ``num_misses``, ``num_switches``,
            ``num_false_positives``, ``num_objects``, ``num_detections``.
        sum_dist (float): Sum of the distances of all recorded events.
    """

    def __init__(self) -> None:
        self.counts = dict.fromkeys(COUNTS, 0)
        self.sum_dist = 0.0
        self._hyp_of: Dict[int, int] = {}  # object -> last hypothesis
        self._obj_of: Dict[int, int] = {}  # hypothesis -> last object
        self._seen_hyps: Set[int] = set()
        self._matched_objs: Set[int] = set()

    def update(self, oids: np.ndarray, hids: np.ndarray,
               dists: np.ndarray) -> None:
        """Add one frame.

        Args:
            oids (np.ndarray): Object (ground-truth track) ids ``(O,)``.
            hids (np.ndarray): Hypothesis (predicted track) ids ``(H,)``.
            dists (np.ndarray): ``(O, H)``; NaN = may not be paired.
        """
        dists = np.asarray(dists, dtype=np.float64).reshape(
            len(oids), len(hids)).copy()
        finite = np.isfinite(dists)
        self.sum_dist += float(dists[finite].sum())  # RAW events
        self.counts['num_objects'] += len(oids)
        obj_done = np.zeros(len(oids), dtype=bool)
        hyp_done = np.zeros(len(hids), dtype=bool)
        if len(oids) and len(hids):
            for i, o in enumerate(oids):  # 1. keep the previous matches
                if o not in self._hyp_of:
                    continue
                js = np.flatnonzero(~hyp_done & (hids == self._hyp_of[o]))
                if len(js) and finite[i, js[0]]:
                    j = js[0]
                    obj_done[i] = hyp_done[j] = True
                    self._hyp_of[o] = hids[j]
                    self._record_match(o, hids[j], dists[i, j])
            dists[obj_done] = np.nan  # 2. assign the others
            dists[:, hyp_done] = np.nan
            for i, j in zip(*min_cost_matching(dists)):
                self._assign(oids[i], hids[j], dists[i, j])
                obj_done[i] = hyp_done[j] = True
        self.counts['num_misses'] += int((~obj_done).sum())
        self.counts['num_false_positives'] += int((~hyp_done).sum())

    def _record_match(self, o: int, h: int, dist: float) -> None:
        """A MATCH event kept from the previous frame (step 1)."""
        self.counts['num_detections'] += 1
        self.sum_dist += dist
        self._matched_objs.add(o)
        self._seen_hyps.add(h)

    def _assign(self, o: int, h: int, dist: float) -> None:
        """A MATCH or SWITCH event of the assignment (step 2), with the
        TRANSFER / ASCEND / MIGRATE rows it brings."""
        if o in self._hyp_of and self._hyp_of[o] != h:  # SWITCH
            self.counts['num_switches'] += 1
            if h not in self._seen_hyps:  # ASCEND
                self.sum_dist += dist
        if h in self._obj_of and self._obj_of[h] != o:  # TRANSFER
            self.sum_dist += dist
            if o not in self._matched_objs:  # MIGRATE
                self.sum_dist += dist
        self.counts['num_detections'] += 1
        self.sum_dist += dist  # the MATCH or SWITCH row
        self._seen_hyps.add(h)
        self._matched_objs.add(o)
        self._hyp_of[o] = h
        self._obj_of[h] = o


def _people(frame: PoseTrackFrame, valid: np.ndarray,
            regions: bool) -> np.ndarray:
    """Indices of the people ``poseval`` keeps in a frame (see step 2)."""
    keep = np.ones(frame.num_people, dtype=bool)
    if frame.has_points is not None:
        keep &= frame.has_points
    if regions:
        keep &= valid.any(1)
    return np.flatnonzero(keep)


def _track_ids(frame: PoseTrackFrame) -> np.ndarray:
    """The frame's track ids, or a ``ValueError`` naming it."""
    if frame.track_ids is None:
        raise ValueError(f'{frame.name}: no track ids (load the files with '
                         'tracking=True)')
    return frame.track_ids


def frame_events(gt: PoseTrackFrame, pred: PoseTrackFrame,
                 dist_thr: float = 0.5) -> List[tuple]:
    """Per joint, the ``(oids, hids, dists)`` of one frame (steps 2-3).

    Args:
        gt (PoseTrackFrame): Ground truth with track ids.
        pred (PoseTrackFrame): Prediction with track ids.
        dist_thr (float): Match threshold in head sizes.

    Returns:
        list[tuple]: 15 tuples, in ``POSEVAL_JOINTS`` order: object ids
        ``(O,)``, hypothesis ids ``(H,)``, distances ``(O, H)`` (NaN =
        not a candidate).
    """
    gt_valid, pred_valid = gt.valid.copy(), pred.valid.copy()
    if gt.ignore_regions:
        gt_valid &= ~inside_regions(gt.keypoints, gt.ignore_regions)
        pred_valid &= ~inside_regions(pred.keypoints, gt.ignore_regions)
    g = _people(gt, gt_valid, bool(gt.ignore_regions))
    p = _people(pred, pred_valid, bool(gt.ignore_regions))
    if not len(g) or not len(p):
        none = (np.zeros(1, int), np.zeros(1, int), np.full((1, 1), np.nan))
        return [none] * 15
    gt_ids, pred_ids = _track_ids(gt)[g], _track_ids(pred)[p]
    gt_valid, pred_valid = gt_valid[g], pred_valid[p]
    dist = joint_distances(gt, g[gt_valid.any(1)], pred, p,
                           people=g)  # (P, G, 15)
    cand = (dist <= dist_thr) & pred_valid[:, None] & gt_valid[None]
    events = []
    for j in range(15):
        rows, cols = np.flatnonzero(gt_valid[:, j]), np.flatnonzero(
            pred_valid[:, j])
        sub = dist[cols][:, rows, j].T  # (O, H)
        events.append((gt_ids[rows], pred_ids[cols],
                       np.where(cand[cols][:, rows, j].T, sub, np.nan)))
    return events


def _finish(counts: Dict[str, np.ndarray], sum_dist: np.ndarray) -> dict:
    """Per-joint MOTA, MOTP, precision, recall (x100) from the counts."""
    objects = counts['num_objects'].astype(np.float64)
    det = counts['num_detections'].astype(np.float64)
    fp = counts['num_false_positives'].astype(np.float64)
    objects[objects == 0] = np.nan
    with np.errstate(divide='ignore', invalid='ignore'):
        mota = 100 * (1 - (counts['num_misses'] + counts['num_switches'] +
                           fp) / objects)
        motp = np.where(det == 0, 0.0, 100 * (1 - sum_dist / det))
        total = det + fp
        precision = 100 * det / np.where(total > 0, total, np.nan)
        recall = 100 * det / objects
    return dict(mota=mota, motp=motp, precision=precision, recall=recall)


def _nan_mean(values: np.ndarray) -> float:
    finite = values[~np.isnan(values)]
    return float(finite.mean()) if len(finite) else float('nan')


def summarize_tracking(result: dict) -> Dict[str, float]:
    """The row ``poseval`` prints: MOTA of Head ... Ankle (group means,
    NaN-propagating) and Total, then MOTP, Precision, Recall (Total)."""
    out = OrderedDict((k, float(result['mota'][v].mean()))
                      for k, v in JOINT_GROUPS.items())
    out['Total'] = _nan_mean(result['mota'])
    for key, name in (('motp', 'MOTP'), ('precision', 'Precision'),
                      ('recall', 'Recall')):
        out[name] = _nan_mean(result[key])
    return out


def _sequences(gt_frames: Sequence[PoseTrackFrame]) -> List[List[int]]:
    """Per video (consecutive frames with one ``video``), the indices of
    its frames with ground-truth people, the last one left out; a
    ``UserWarning`` names the videos with a single such frame (they add
    nothing; ``poseval`` stops on them with an ``IndexError``)."""
    out, single = [], []
    for video, group in groupby(range(len(gt_frames)),
                                key=lambda i: gt_frames[i].video):
        annotated = [i for i in group if gt_frames[i].num_people > 0]
        if len(annotated) == 1:
            single.append(video or '(unnamed video)')
        out.append(annotated[:-1])
    if single:
        warnings.warn(f'{len(single)} videos have a single frame with '
                      'ground-truth people, which tracking does not score '
                      '(the last annotated frame of a video never counts; '
                      f"poseval fails on such a video): {', '.join(single[:3])}"
                      f"{', ...' if len(single) > 3 else ''}")
    return out


def evaluate_tracking(gt_frames: Sequence[PoseTrackFrame],
                      pred_frames: Sequence[PoseTrackFrame],
                      dist_thr: float = 0.5) -> dict:
    """PoseTrack tracking metrics of aligned ground-truth and predicted
    frames (``poseval``'s ``evaluateTracking``).

    Args:
        gt_frames (Sequence[PoseTrackFrame]): Ground truth with
            ``track_ids``, one per frame, videos one after the other
            (``video`` tells them apart).
        pred_frames (Sequence[PoseTrackFrame]): Predictions with
            ``track_ids``, aligned.
        dist_thr (float): Match threshold in head sizes. Defaults to 0.5.

    Returns:
        dict: per joint ``(15,)`` in ``POSEVAL_JOINTS`` order: ``mota``,
        ``motp``, ``precision``, ``recall`` (x100, NaN where undefined)
        and the counts ``num_misses``, ``num_switches``,
        ``num_false_positives``, ``num_objects``, ``num_detections``;
        ``joints`` (names), ``num_frames`` (frames scored) and ``summary``
        (see :func:`summarize_tracking`).

    Raises:
        ValueError: If the lists differ in length or a scored frame has no
            track ids.
    """
    if len(gt_frames) != len(pred_frames):
        raise ValueError(f'{len(gt_frames)} ground-truth frames but '
                         f'{len(pred_frames)} prediction frames')
    counts = {k: np.zeros(15, dtype=np.int64) for k in COUNTS}
    sum_dist = np.zeros(15)
    sequences = _sequences(gt_frames)
    for frames in sequences:
        accs = [ClearMotAccumulator() for _ in range(15)]
        for f in frames:
            for acc, event in zip(
                    accs, frame_events(gt_frames[f], pred_frames[f],
                                       dist_thr)):
                acc.update(*event)
        for j, acc in enumerate(accs):
            for k in COUNTS:
                counts[k][j] += acc.counts[k]
            sum_dist[j] += acc.sum_dist
    result = _finish(counts, sum_dist)
    result.update(counts)
    result['joints'] = list(POSEVAL_JOINTS)
    result['num_frames'] = sum(len(s) for s in sequences)
    result['summary'] = summarize_tracking(result)
    return result
