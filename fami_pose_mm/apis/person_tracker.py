# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Track ids for the person boxes of a video, from MMDetection's trackers."""
import copy
import warnings
from typing import Optional, Union

import numpy as np
import torch
from mmengine.registry import DefaultScope
from mmengine.structures import InstanceData
from scipy.optimize import linear_sum_assignment

from fami_pose_mm.fileio import MAX_TRACK_ID

#: The tracker used when the pose config has no ``tracker`` (the one
#: statement of the defaults: no config of this repository repeats them).
#: Boxes scoring above 0.5 are matched first (score-weighted IoU > 0.1 with
#: the Kalman-predicted tracks) and start a track when unmatched; boxes in
#: (0.1, 0.5] are matched second (IoU > 0.5), only to tracks seen in the
#: previous frame. A track born after the first frame is tentative until
#: seen in 3 consecutive frames; a track unseen for 30 frames is ended.
DEFAULT_TRACKER = dict(
    type='ByteTracker',
    motion=dict(type='KalmanFilter'),
    obj_score_thrs=dict(high=0.5, low=0.1),
    init_track_thr=0.5,
    weight_iou_with_det_scores=True,
    match_iou_thrs=dict(high=0.1, low=0.5, tentative=0.3),
    num_tentatives=3,
    num_frames_retain=30)

#: How far (pixels, score) a box returned by the tracker may be from the
#: input box it copies.
_COPY_TOL = 1e-3


class PersonTracker:
    """One track id per person box, frame by frame, for one video.

    An adapter around a tracker of MMDetection 3.x (``mmdet.models.
    trackers``, built through mmdet's registry; ``ByteTracker`` with its
    ``KalmanFilter`` by default, see :data:`DEFAULT_TRACKER`). Call it once
    per key frame, in frame order; :meth:`reset` before a new video.

    Every input box gets an id, also the boxes the tracker drops (ByteTracker
    keeps no box scoring at most ``obj_score_thrs.low``, no unmatched box
    scoring at most ``obj_score_thrs.high``, and in the first frame no box
    scoring at most ``init_track_thr``): such a box gets a fresh id, used
    for that box only and counted in :attr:`num_fallbacks`. Fresh ids are
    taken from the tracker's own counter (``num_tracks``), so they never
    collide with its ids; ids are consecutive non-negative ints, unique
    within a frame. From :data:`MAX_TRACK_ID` (10000, the PoseTrack
    evaluation's limit) on they keep counting and stay unique, with one
    warning.

    The tracker returns a subset of the boxes, reordered, each a copy of an
    input row; each returned row is paired with the input row it copies by
    a minimum-cost assignment on the coordinate and score differences
    (identical input boxes are interchangeable and cannot be paired twice).

    The tracker sees frame indices counted from the first frame it was given
    (ByteTracker resets itself at frame 0 and confirms at once only the
    tracks born there). A frame that is skipped (e.g. undecodable) is a gap
    in the indices: for the tracker the persons were not seen in it, as for
    a missed detection; a track survives a gap of up to
    ``num_frames_retain - 1`` frames.

    Args:
        cfg (dict, optional): mmdet tracker config (``type`` and its
            arguments). None: :data:`DEFAULT_TRACKER`. A tracker that needs
            images or appearance features (SORT with re-id, StrongSORT) does
            not fit: only boxes and scores are given.

    Raises:
        ValueError: If the config is not a dict with a ``type`` or the
            tracker cannot be built from it.
        ImportError: If the tracker needs the ``lap`` package and it is
            not installed.
    """

    def __init__(self, cfg: Optional[dict] = None) -> None:
        self.cfg = copy.deepcopy(DEFAULT_TRACKER if cfg is None else cfg)
        self.tracker = _build(self.cfg)
        self.reset()

    def reset(self) -> None:
        """Forget every track: the next call is the first of a video."""
        self.tracker.reset()
        self.num_fallbacks = 0
        self._first: Optional[int] = None
        self._last: Optional[int] = None
        self._warned = False

    def fresh(self) -> 'PersonTracker':
        """A tracker of the same config without tracks, this one unchanged:
        each run of the inferencer tracks with its own."""
        new = copy.deepcopy(self)
        new.reset()
        return new

    @property
    def num_ids(self) -> int:
        """Ids handed out since :meth:`reset` (tracks and fresh ids)."""
        return int(self.tracker.num_tracks)

    def __call__(self, boxes: np.ndarray, frame_index: int) -> np.ndarray:
        """Track ids of one key frame's boxes.

        Args:
            boxes (np.ndarray): (N, 5) ``x1, y1, x2, y2, score`` in pixels;
                N may be 0.
            frame_index (int): 0-based index of the frame in the video,
                larger than that of the previous call.

        Returns:
            np.ndarray: int64 (N, ): the id of each box, in input order.

        Raises:
            ValueError: If ``boxes`` is not (N, 5) of finite numbers or the
                frame index does not increase.
            RuntimeError: If the tracker returns boxes that are not copies
                of its input boxes (a tracker this adapter does not fit).
        """
        boxes = _check_boxes(boxes, frame_index)
        if self._last is not None and frame_index <= self._last:
            raise ValueError(
                f'frame {frame_index}: the tracker was last given frame '
                f'{self._last}; frames must come in increasing order (reset() '
                'before a new video)')
        if self._first is None:
            self._first = frame_index
        self._last = frame_index
        ids = self._track(boxes, frame_index - self._first)
        for i in np.flatnonzero(ids < 0):
            ids[i] = self.num_ids
            self.tracker.num_tracks = int(ids[i]) + 1
            self.num_fallbacks += 1
        if len(ids) and ids.max() >= MAX_TRACK_ID and not self._warned:
            self._warned = True
            warnings.warn(
                f'frame {frame_index}: track id {int(ids.max())} reached; '
                'ids stay unique, but the PoseTrack evaluation accepts ids '
                f'below {MAX_TRACK_ID} only')
        return ids

    def _track(self, boxes: np.ndarray, frame_id: int) -> np.ndarray:
        """Ids from the tracker, -1 for a box it did not keep."""
        from mmdet.structures import DetDataSample
        rows = torch.from_numpy(boxes)
        sample = DetDataSample(metainfo=dict(frame_id=frame_id))
        sample.pred_instances = InstanceData(
            bboxes=rows[:, :4], scores=rows[:, 4],
            labels=torch.zeros(len(rows), dtype=torch.long))
        out = self.tracker.track(sample)
        kept = torch.cat([out.bboxes, out.scores[:, None]], dim=1)
        ids = np.full(len(boxes), -1, dtype=np.int64)
        if len(kept):
            cost = torch.cdist(kept.double(), rows.double(), p=np.inf)
            out_rows, in_rows = linear_sum_assignment(cost.numpy())
            worst = float(cost[out_rows, in_rows].max())
            if len(out_rows) < len(kept) or worst > _COPY_TOL:
                raise RuntimeError(
                    f'frame {frame_id + self._first}: the tracker '
                    f'{self.cfg["type"]} returned boxes that are not copies '
                    f'of its input boxes (off by {worst:.3g}); PersonTracker '
                    'needs a tracker that returns a subset of its boxes')
            ids[in_rows] = out.instances_id[out_rows].cpu().numpy()
        _, first = np.unique(ids, return_index=True)
        repeated = np.ones(len(ids), bool)
        repeated[first] = False
        ids[repeated & (ids >= 0)] = -1  # one box per id and frame
        return ids


def resolve_tracker_cfg(option: Union[None, bool, dict],
                        config_tracker: Optional[dict]) -> Optional[dict]:
    """The tracker config of an inferencer.

    Args:
        option (None | bool | dict): None or True: the pose config's
            ``tracker``, or :data:`DEFAULT_TRACKER` if it has none; a dict:
            this tracker config (it replaces the config's); False: no
            tracking.
        config_tracker (dict, optional): The pose config's ``tracker``.

    Returns:
        dict | None: A tracker config, or None for no tracking.

    Raises:
        ValueError: If ``option`` is of another type.
    """
    if option is False:
        return None
    if option is None or option is True:
        option = config_tracker if config_tracker is not None \
            else DEFAULT_TRACKER
    if not isinstance(option, dict):
        raise ValueError('tracker must be None, False or a tracker config '
                         f'dict, got {option!r:.60}')
    return copy.deepcopy(dict(option))


def _build(cfg: dict):
    """Build an mmdet tracker with mmdet's registries."""
    if not isinstance(cfg, dict) or 'type' not in cfg:
        raise ValueError('tracker config must be a dict with a type, e.g. '
                         f"dict(type='ByteTracker', ...), got {cfg!r:.80}")
    import mmdet.models  # noqa: F401  (registers the trackers)
    from mmdet.registry import MODELS
    try:
        with DefaultScope.overwrite_default_scope('mmdet'):
            return MODELS.build(copy.deepcopy(cfg))
    except RuntimeError as err:
        if 'lap is not installed' in str(err):
            raise ImportError(
                f'tracker {cfg["type"]} needs the lap package: pip install '
                'lap==0.5.13 (requirements/runtime.txt), or disable tracking '
                '(tracker=False, --no-tracking)') from err
        raise ValueError(f'cannot build the tracker {cfg}: {err}') from err
    except (KeyError, TypeError) as err:
        raise ValueError(f'cannot build the tracker {cfg}: {err}') from err


def _check_boxes(boxes: np.ndarray, frame_index: int) -> np.ndarray:
    """``boxes`` as float32 (N, 5), or a ``ValueError`` naming the frame."""
    if isinstance(frame_index, bool) or not isinstance(
            frame_index, (int, np.integer)) or frame_index < 0:
        raise ValueError(f'frame index must be an int >= 0, got '
                         f'{frame_index!r}')
    boxes = np.asarray(boxes, dtype=np.float32)
    if boxes.size == 0:
        boxes = boxes.reshape(0, 5)
    if boxes.ndim != 2 or boxes.shape[1] != 5:
        raise ValueError(f'frame {frame_index}: boxes must be (N, 5) '
                         f'x1, y1, x2, y2, score; got {boxes.shape}')
    if not np.isfinite(boxes).all():
        raise ValueError(f'frame {frame_index}: boxes must be finite')
    return np.ascontiguousarray(boxes)
