# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Write per-video predictions of the inferencer as a PoseTrack18 file."""
from typing import Any, Dict, Optional, Sequence

import numpy as np

from fami_pose_mm.fileio import (PERSON_CATEGORY_ID, POSETRACK18_KEYPOINTS,
                                 PoseTrackVideoWriter)


class PoseTrackJsonWriter(PoseTrackVideoWriter):
    """The inferencer's predictions of one video, frame by frame.

    The file is the one :class:`~fami_pose_mm.fileio.PoseTrackVideoWriter`
    writes (what ``PoseTrackAPMetric`` and ``tools/eval_posetrack.py``
    read), with more fields: images also carry ``frame_id`` (= ``id``, the
    0-based frame index) and ``vid_id`` (the video name), and people
    ``category_id`` (1) and ``bbox`` (``[x, y, w, h]``). Every frame has an
    ``images`` entry, also frames without persons. ``score`` of a person is
    its box score times its mean keypoint score; ``track_id`` is its
    track's id (see :class:`~fami_pose_mm.apis.PersonTracker`), or without
    tracking its position in its frame. The top-level ``info`` (the
    ``info`` attribute) says whether the run was complete: ``partial``,
    ``frames``, ``unreadable_frames`` and, for a partial file,
    ``stopped_at_frame`` and ``reason``.

    Args:
        video_name (str): Name of the video (prefix of the file names).
        keypoint_names (Sequence[str], optional): Names of the K keypoints;
            PoseTrack18's 17 by default.
    """

    def __init__(self,
                 video_name: str,
                 keypoint_names: Optional[Sequence[str]] = None) -> None:
        super().__init__(keypoint_names or POSETRACK18_KEYPOINTS)
        self.video_name = video_name
        self.info: Dict[str, Any] = dict(partial=False, frames=0,
                                         unreadable_frames=[])

    def to_dict(self) -> dict:
        """The file's content, with ``info``."""
        return dict(super().to_dict(),
                    info=dict(self.info, frames=len(self.images)))

    def add_frame(self, index: int, name: str, keypoints: np.ndarray,
                  keypoint_scores: np.ndarray, bboxes: np.ndarray,
                  bbox_scores: np.ndarray,
                  track_ids: Optional[np.ndarray] = None) -> None:
        """Add the predictions of one frame.

        Args:
            index (int): 0-based frame index (used as image id).
            name (str): Frame name.
            keypoints (np.ndarray): (N, K, 2) pixel coordinates.
            keypoint_scores (np.ndarray): (N, K).
            bboxes (np.ndarray): (N, 4) ``x1, y1, x2, y2``.
            bbox_scores (np.ndarray): (N, ).
            track_ids (np.ndarray, optional): (N, ) int track ids, unique
                within the frame; None: ``0 .. N-1``.

        Raises:
            ValueError: If ``track_ids`` is not N distinct non-negative
                ints (the message names the frame).
        """
        index = int(index)
        track_ids = _check_track_ids(track_ids, len(keypoints), index, name)
        self.add_image(index, f'{self.video_name}/{name}', frame_id=index,
                       vid_id=self.video_name)
        for i in range(len(keypoints)):
            x1, y1, x2, y2 = (float(v) for v in bboxes[i])
            self.add_person(
                index,
                np.concatenate([keypoints[i], keypoint_scores[i][:, None]],
                               axis=1),
                score=float(bbox_scores[i] * np.mean(keypoint_scores[i])),
                track_id=int(track_ids[i]),
                category_id=PERSON_CATEGORY_ID,
                bbox=[x1, y1, x2 - x1, y2 - y1])


def _check_track_ids(track_ids: Optional[np.ndarray], num: int, index: int,
                     name: str) -> np.ndarray:
    """``track_ids`` as int64 (N, ), ``arange(N)`` for None."""
    if track_ids is None:
        return np.arange(num, dtype=np.int64)
    ids = np.asarray(track_ids)
    where = f'frame {index} ({name})'
    if ids.shape != (num, ) or (num and ids.dtype.kind not in 'iu'):
        raise ValueError(f'{where}: track_ids must be {num} ints, got '
                         f'{ids.dtype} {ids.shape}')
    if num and (ids.min() < 0 or len(np.unique(ids)) != num):
        raise ValueError(f'{where}: track_ids {ids.tolist()} must be '
                         'distinct and non-negative (one person per track '
                         'and frame)')
    return ids.astype(np.int64)
