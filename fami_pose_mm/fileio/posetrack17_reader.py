# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The PoseTrack17 (``annolist``) per-video file read into
:class:`~.posetrack_frame.PoseTrackFrame` records, as ``poseval`` reads it
(see :func:`.posetrack_json.load_posetrack18_video`). Numpy only.
"""
from typing import Any, List

import numpy as np

from .json_values import json_objects, one_number
from .posetrack_frame import MISSING_SCORE, PoseTrackFrame, frame_track_ids


def _image_name(frame: dict) -> str:
    """``image[0].name`` of an ``annolist`` frame ('' if absent)."""
    try:
        return str(frame['image'][0]['name'])
    except (KeyError, IndexError, TypeError):
        return ''


def _annolist_person(rect: dict, is_gt: bool, where: str) -> tuple:
    """One ``annorect`` of an ``annolist`` frame, read as ``poseval`` reads
    it: a joint is annotated / present when its id (0-14) is listed (the
    first point of a joint counts), the head box is ``x1, y1, x2, y2``.

    Returns:
        tuple: keypoints ``(15, 2)``, validity ``(15,)``, scores ``(15,)``,
        head box ``(4,)`` (NaN when absent or not ground truth), the number
        of present joints without a score (prediction) and of points not
        read (id null or not in 0-14, or a joint listed again).
    """
    kpts, valid = np.zeros((15, 2)), np.zeros(15, dtype=bool)
    scores, head = np.full(15, MISSING_SCORE), np.full(4, np.nan)
    head_keys = ('x1', 'y1', 'x2', 'y2')
    if is_gt and all(c in rect for c in head_keys):
        head[:] = [one_number(rect, c, where) for c in head_keys]
    annopoints = json_objects(rect.get('annopoints'), f'{where}: annopoints')
    points = json_objects(
        annopoints[0].get('point'),
        f'{where}: annopoints[0].point') if annopoints else []
    missing = unread = 0
    for p, point in enumerate(points):
        at = f'{where}, point {p}'
        j = None if point.get('id') in (None, [None]) else one_number(
            point, 'id', at)
        if j not in range(15) or valid[int(j)]:
            unread += 1
            continue
        j = int(j)
        kpts[j] = one_number(point, 'x', at), one_number(point, 'y', at)
        valid[j] = True
        if not is_gt and 'score' in point:
            scores[j] = one_number(point, 'score', at)
        else:
            missing += not is_gt
    return kpts, valid, scores, head, missing, unread


def _annolist_regions(frame: dict, where: str) -> List[np.ndarray]:
    """Ignore polygons ``(M, 2)`` of an ``annolist`` frame."""
    regions = []
    for i, region in enumerate(
            json_objects(
                frame.get('ignore_regions'), f'{where}: ignore_regions')):
        at = f'{where}, ignore region {i}'
        points = json_objects(region.get('point'), f'{at}: point')
        regions.append(
            np.array([[one_number(p, 'x', at),
                       one_number(p, 'y', at)] for p in points],
                     dtype=np.float64).reshape(-1, 2))
    return regions


def _has_points(rect: dict) -> bool:
    """Whether an ``annorect`` lists its joints (``poseval``'s
    ``rectHasPoints``): ``annopoints[0].point`` exists."""
    annopoints = rect.get('annopoints')
    return (isinstance(annopoints, list) and len(annopoints) > 0
            and isinstance(annopoints[0], dict) and 'point' in annopoints[0])


def _annolist_track_id(rect: dict) -> Any:
    """``track_id`` of an ``annorect``: ``[id]`` (a bare id is read too)."""
    value = rect.get('track_id')
    return value[0] if isinstance(value, list) and len(value) == 1 else value


def load_annolist_file(video: dict, is_gt: bool, name: str,
                       tracking: bool) -> tuple:
    """Frames of a PoseTrack17 (``annolist``) file (see
    :func:`_annolist_person`); with ``tracking``, their track ids.

    Returns:
        tuple: the frames, the number of predicted joints without a score
        and the number of points ``poseval`` never reads.
    """
    frames, missing, unread = [], 0, 0
    for k, frame in enumerate(
            json_objects(video['annolist'], f'{name}: annolist')):
        where = f'{name}, frame {k} ({_image_name(frame)})'
        rects = json_objects(frame.get('annorect'), f'{where}: annorect')
        num = len(rects)
        kpts, valid = np.zeros((num, 15, 2)), np.zeros((num, 15), bool)
        scores, heads = np.zeros((num, 15)), np.zeros((num, 4))
        for r, rect in enumerate(rects):
            at = f'{where}, annorect {r}'
            (kpts[r], valid[r], scores[r], heads[r], no_score,
             not_read) = _annolist_person(rect, is_gt, at)
            missing += no_score
            unread += not_read
        has_points = np.array([_has_points(rect) for rect in rects], bool)
        track_ids = frame_track_ids(
            [_annolist_track_id(rect)
             for rect in rects], [f'annorect {r}' for r in range(num)], where,
            has_points) if tracking else None
        frames.append(
            PoseTrackFrame(
                where,
                kpts,
                valid,
                None if is_gt else scores,
                heads if is_gt else None,
                _annolist_regions(frame, where) if is_gt else [],
                track_ids=track_ids,
                has_points=has_points,
                video=name,
                file_name=_image_name(frame)))
    return frames, missing, unread
