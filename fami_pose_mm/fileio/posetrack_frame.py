# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""One PoseTrack frame as the evaluation reads it, and the rules of track
ids: the record both per-video readers (:mod:`.posetrack18_reader`,
:mod:`.posetrack17_reader`) return. Numpy only.
"""
from dataclasses import dataclass, field
from typing import Any, List, Optional, Sequence

import numpy as np

#: Score given by ``poseval`` to a predicted joint without a score.
MISSING_SCORE = -9999.0
#: ``poseval`` requires track ids below this (it offsets them per video).
MAX_TRACK_ID = 10000


@dataclass
class PoseTrackFrame:
    """One frame, ground truth or prediction, in the 15-joint order.

    Args:
        name (str): Where the frame comes from (file and image id), for
            error messages.
        keypoints (np.ndarray): Joint positions in pixels, ``(N, 15, 2)``.
        valid (np.ndarray): Annotated (ground truth) or present
            (prediction) joints, bool ``(N, 15)``.
        scores (np.ndarray, optional): Joint scores of a prediction,
            ``(N, 15)``. Unused for ground truth.
        head_boxes (np.ndarray, optional): Ground-truth head boxes
            ``(N, 4)`` as ``x1, y1, x2, y2``; NaN where missing.
        ignore_regions (list[np.ndarray]): Ground-truth ignore polygons,
            each ``(M, 2)``.
        track_ids (np.ndarray, optional): Track id of each person, int
            ``(N,)``; read only for tracking.
        has_points (np.ndarray, optional): Whether each person lists its
            joints at all (``annolist`` ``annopoints[0].point``), bool
            ``(N,)``; None = all do (PoseTrack18 files).
        video (str): The video (file) of the frame; tracking is scored per
            video.
        image_id (int | str, optional): The image's ``id`` (PoseTrack18
            files; None in ``annolist`` files).
        file_name (str): The image's ``file_name`` (PoseTrack18) or
            ``image[0].name`` (``annolist``); '' if absent.
        is_labeled (bool): The image's ``is_labeled`` (ground truth; True
            if absent). Only the PoseTrack21 evaluation reads it.
    """
    name: str
    keypoints: np.ndarray
    valid: np.ndarray
    scores: Optional[np.ndarray] = None
    head_boxes: Optional[np.ndarray] = None
    ignore_regions: List[np.ndarray] = field(default_factory=list)
    track_ids: Optional[np.ndarray] = None
    has_points: Optional[np.ndarray] = None
    video: str = ''
    image_id: Any = None
    file_name: str = ''
    is_labeled: bool = True

    @property
    def num_people(self) -> int:
        """int: Number of people in the frame."""
        return len(self.keypoints)


def track_id_of(value: Any, where: str) -> int:
    """A track id: a JSON integer in ``[0, MAX_TRACK_ID)``, else a
    ``ValueError`` naming ``where``."""
    if value is None:
        raise ValueError(f'{where}: no track_id (tracking needs one per '
                         'person)')
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f'{where}: track_id is {value!r:.40}, expected a '
                         'non-negative integer')
    if not 0 <= value < MAX_TRACK_ID:
        raise ValueError(f'{where}: track_id {value} is not in [0, '
                         f'{MAX_TRACK_ID}) (poseval\'s limit)')
    return value


def frame_track_ids(values: Sequence[Any],
                    people: Sequence[str],
                    where: str,
                    counted: Optional[Sequence[bool]] = None) -> np.ndarray:
    """Track ids of one frame's people, int64 ``(N,)``.

    Args:
        values (Sequence): The ``track_id`` values as read.
        people (Sequence[str]): How messages name each person.
        where (str): The frame, for messages.
        counted (Sequence[bool], optional): The people tracking scores
            (an ``annolist`` person without ``annopoints`` is not one);
            None = all.

    Raises:
        ValueError: Naming the frame and person, for a missing, non-integer,
            negative, too large or repeated id among the counted people
            (ground truth too: two people of one track in a frame make
            MOTA meaningless).
    """
    ids = np.array(
        [track_id_of(v, f'{where}, {who}') for v, who in zip(values, people)],
        dtype=np.int64)
    scored = ids if counted is None else ids[np.asarray(counted, bool)]
    if len(np.unique(scored)) != len(scored):
        uniq, count = np.unique(scored, return_counts=True)
        raise ValueError(f'{where}: track_id {int(uniq[count > 1][0])} is '
                         'given to several people of the frame; a track has '
                         'one person per frame')
    return ids
