# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The frames the PoseTrack21 kit scores, prepared as its dataset class
(``trackeval/datasets/posetrack.py``) prepares them.

Shared by the kit's pose mAP (:mod:`.posetrack21_map`) and keypoint HOTA
(:mod:`.posetrack21_hota`); see docs/evaluation.md. Per video:

1. Only frames whose ground truth ``is_labeled`` count (and the
   prediction's frames paired with them).
2. 15 joints: the 17 slots without the ears, in file order (nose,
   head_bottom, head_top, left_shoulder, ..., right_ankle).
3. A joint is present (ground truth or prediction) when ``x > 0`` and
   ``y > 0``; a predicted joint's score is its ``scores`` entry (``-9999``
   without ``scores``).
4. In a frame with ignore polygons: a person (either side) whose 15 joint
   positions are all strictly inside polygons is removed; joints strictly
   inside are set to ``(0, 0)`` (score 0); then a person without any
   joint at ``x > 0`` or ``y > 0`` is removed.
5. Joint distance = Euclidean distance / head size, head size ``= 0.6 x``
   the diagonal of the ground-truth ``bbox_head``; infinite unless both
   joints are present.

Where the kit stops with an exception, this module goes on and says so in
docs/evaluation.md: a labelled frame without any ground-truth person, or
one whose ignore polygons remove all of them, has no ground truth here; a
person without annotated joints (a box-only person) needs no ``bbox_head``.
Numpy (and shapely, for ignore polygons) only.
"""
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from fami_pose_mm.fileio import (MISSING_SCORE, POSETRACK18_KEYPOINTS,
                                 POSEVAL_JOINTS, PoseTrackFrame)
from .posetrack_ap import inside_regions

#: The kit's 15 joints: PoseTrack's 17 slots without the ears.
KIT_JOINTS: Tuple[str, ...] = tuple(
    n for n in POSETRACK18_KEYPOINTS if n not in ('left_ear', 'right_ear'))
#: Position of each of :data:`KIT_JOINTS` in the reader's
#: (``POSEVAL_JOINTS``) order.
KIT_ORDER = np.array([POSEVAL_JOINTS.index(n) for n in KIT_JOINTS])
#: Distance (in head sizes) up to which a joint matches (the kit's PCKh).
MATCH_DISTANCE = 0.5


@dataclass
class KitFrame:
    """One labelled frame, prepared (joints in :data:`KIT_JOINTS` order).

    Args:
        gt (np.ndarray): Ground-truth joint positions ``(G, 15, 2)``.
        gt_ids (np.ndarray): Ground-truth track ids ``(G,)`` (None when
            not read).
        pred (np.ndarray): Predicted joint positions ``(P, 15, 2)``.
        scores (np.ndarray): Predicted joint scores ``(P, 15)``.
        pred_ids (np.ndarray): Predicted track ids ``(P,)`` (None when not
            read).
        dist (np.ndarray): Joint distances in head sizes ``(G, P, 15)``.
    """
    gt: np.ndarray
    gt_ids: Optional[np.ndarray]
    pred: np.ndarray
    scores: np.ndarray
    pred_ids: Optional[np.ndarray]
    dist: np.ndarray

    @property
    def gt_present(self) -> np.ndarray:
        """bool ``(G, 15)``: annotated ground-truth joints."""
        return present(self.gt)

    @property
    def pred_present(self) -> np.ndarray:
        """bool ``(P, 15)``: predicted joints."""
        return present(self.pred)


def present(points: np.ndarray) -> np.ndarray:
    """The kit's joint rule: ``x > 0`` and ``y > 0``; bool ``(..., 15)``."""
    return (points[..., 0] > 0) & (points[..., 1] > 0)


def _apply_ignore(points: np.ndarray, regions: List[np.ndarray],
                  *extra: np.ndarray) -> tuple:
    """Step 4 of the module docstring for one side of a frame.

    Args:
        points (np.ndarray): Joint positions ``(N, 15, 2)``.
        regions (list[np.ndarray]): Ignore polygons ``(M, 2)``.
        *extra (np.ndarray): Per-person arrays kept aligned (scores
            ``(N, 15)`` are zeroed where the joints are).

    Returns:
        tuple: The kept positions, then each of ``extra`` kept.
    """
    inside = inside_regions(points, regions)
    points = np.where(inside[..., None], 0.0, points)
    extra = [np.where(inside, 0.0, e) if e.ndim == 2 else e for e in extra]
    keep = ~inside.all(axis=1) & ~((points[..., 0] <= 0) &
                                   (points[..., 1] <= 0)).all(axis=1)
    return (points[keep], ) + tuple(e[keep] for e in extra)


def head_sizes(frame: PoseTrackFrame, gt: np.ndarray) -> np.ndarray:
    """``0.6 x`` the head box diagonal of each ground-truth person; NaN for
    a person without ``bbox_head``.

    Raises:
        ValueError: Naming the frame, if a person with an annotated joint
            (``x > 0``, ``y > 0``) has no ``bbox_head``.
    """
    boxes = frame.head_boxes
    if boxes is None:
        boxes = np.full((len(gt), 4), np.nan)
    missing = np.isnan(boxes).any(axis=1) & present(gt).any(axis=1)
    if missing.any():
        raise ValueError(
            f'{frame.name}: ground-truth person {int(np.argmax(missing))} '
            '(in file order) has annotated joints but no bbox_head (the '
            'head size the PoseTrack21 distances are measured in)')
    return 0.6 * np.sqrt((boxes[:, 2] - boxes[:, 0])**2 +
                         (boxes[:, 3] - boxes[:, 1])**2)


def distances(gt: np.ndarray, heads: np.ndarray,
              pred: np.ndarray) -> np.ndarray:
    """Joint distances in head sizes ``(G, P, 15)``, inf unless both joints
    are present."""
    both = present(gt)[:, None] & present(pred)[None]
    diff = gt[:, None] - pred[None]
    with np.errstate(divide='ignore', invalid='ignore'):
        dist = np.sqrt(diff[..., 0]**2 + diff[..., 1]**2) / \
            heads[:, None, None]
    return np.where(both, dist, np.inf)


def prepare_frame(gt: PoseTrackFrame, pred: PoseTrackFrame) -> KitFrame:
    """One labelled frame pair as the kit scores it (steps 2-5)."""
    gt_points = gt.keypoints[:, KIT_ORDER]
    pred_points = pred.keypoints[:, KIT_ORDER]
    scores = pred.scores[:, KIT_ORDER] if pred.scores is not None else \
        np.full(pred_points.shape[:2], MISSING_SCORE)
    heads = head_sizes(gt, gt_points)
    gt_ids = gt.track_ids if gt.track_ids is not None else np.zeros(
        len(gt_points), np.int64)
    pred_ids = pred.track_ids if pred.track_ids is not None else np.zeros(
        len(pred_points), np.int64)
    if gt.ignore_regions:
        pred_points, scores, pred_ids = _apply_ignore(
            pred_points, gt.ignore_regions, scores, pred_ids)
        gt_points, heads, gt_ids = _apply_ignore(gt_points,
                                                 gt.ignore_regions, heads,
                                                 gt_ids)
    return KitFrame(
        gt=gt_points,
        gt_ids=gt_ids if gt.track_ids is not None else None,
        pred=pred_points,
        scores=scores,
        pred_ids=pred_ids if pred.track_ids is not None else None,
        dist=distances(gt_points, heads, pred_points))


def prepare_videos(
        gt_frames: Sequence[PoseTrackFrame],
        pred_frames: Sequence[PoseTrackFrame]) -> Dict[str, List[KitFrame]]:
    """The labelled frames of each video, prepared, videos in sorted name
    order (the kit's).

    Args:
        gt_frames (Sequence[PoseTrackFrame]): Ground-truth frames (``video``
            set), e.g. from ``load_posetrack18_folders(...,
            dataset='posetrack21')``.
        pred_frames (Sequence[PoseTrackFrame]): The paired predictions.

    Returns:
        dict: video -> its :class:`KitFrame` list (``is_labeled`` frames,
        file order).
    """
    if len(gt_frames) != len(pred_frames):
        raise ValueError(f'{len(gt_frames)} ground-truth frames but '
                         f'{len(pred_frames)} prediction frames')
    videos: Dict[str, List[KitFrame]] = {}
    for gt, pred in zip(gt_frames, pred_frames):
        frames = videos.setdefault(gt.video, [])
        if gt.is_labeled:
            frames.append(prepare_frame(gt, pred))
    return {name: videos[name] for name in sorted(videos)}
