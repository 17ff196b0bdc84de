# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Per-video PoseTrack JSON files: the format and the one reader.

The evaluation server, ``poseval``, :class:`PoseTrackAPMetric` and the
video inferencer all use one file per video, in one of two forms:

* PoseTrack18 (COCO-like)::

    {"images": [{"id": 10128340000, "file_name": "images/val/.../000000.jpg"}],
     "annotations": [{"image_id": 10128340000, "track_id": 0, "score": 0.8,
                      "keypoints": [x1, y1, s1, ..., x17, y17, s17],
                      "scores": [s1, ..., s17]}],
     "categories": [{"id": 1, "name": "person", "supercategory": "person",
                     "keypoints": ["nose", "head_bottom", ...]}]}

* PoseTrack17 (``annolist``): per frame ``image[0].name`` and
  ``annorect``; a person lists its joints as ``point`` entries with the
  ``poseval`` joint id (0-14) and one-element lists ``x``, ``y``,
  ``score``.

A slot counts as annotated (ground truth) or present (prediction) unless
it is exactly ``(0, 0, 0)``; the writer leaves such joints out of
``annolist`` files. A predicted joint without a score gets ``-9999``, as
in ``poseval``. The one writer is
:class:`~fami_pose_mm.fileio.posetrack_json_writer.PoseTrackVideoWriter`.

The reader scores every person of a file or says why not: a value that
is read must be a finite number (a numeric string, null, NaN or Infinity
is an error naming file, annotation and field), and an annotation whose
``image_id`` is not an image of the file is an error. What ``poseval``
tolerates stays tolerated, with a ``UserWarning`` that counts it (see
:func:`load_posetrack18_video` and
:func:`~fami_pose_mm.fileio.posetrack_folders.load_posetrack18_folders`).
"""
import math
import warnings
from dataclasses import dataclass, field
from typing import (Any, Callable, Dict, List, Optional, Sequence, Tuple,
                    Union)

import numpy as np

from .detection_file import read_json
from .posetrack_layout import POSEVAL_JOINTS

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

    @property
    def num_people(self) -> int:
        """int: Number of people in the frame."""
        return len(self.keypoints)


def _slot_map(names: Sequence[str], where: str) -> np.ndarray:
    """Index, for each of the 15 joints, of its slot in ``names``."""
    if len(names) not in (15, 17):
        raise ValueError(f'{where}: categories[0].keypoints must have 15 or '
                         f'17 names, got {len(names)}')
    missing = [n for n in POSEVAL_JOINTS if n not in names]
    if missing:
        raise ValueError(f'{where}: categories[0].keypoints lacks {missing}')
    return np.array([list(names).index(n) for n in POSEVAL_JOINTS])


def _is_number(value: Any) -> bool:
    """A JSON number (int or float, not a boolean); NaN included."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _annotation(index: int, ann: dict) -> str:
    """How messages name an annotation: its id (if any) and position."""
    if 'id' in ann:
        return f"annotation id {ann['id']} (annotations[{index}])"
    return f'annotations[{index}] (no id)'


def _float_rows(rows: Sequence[list], key: str,
                where: Callable[[int], str]) -> np.ndarray:
    """Lists of numbers, all of one length, as a float64 array ``(R, n)``.

    Args:
        rows (Sequence[list]): The lists as read from JSON (at least one).
        key (str): Their field name, for messages.
        where (Callable[[int], str]): The place (file, annotation) of row
            ``r``, for messages.

    Returns:
        np.ndarray: ``(len(rows), n)`` float64.

    Raises:
        ValueError: Naming the place, field and position of the first value
            that is not a number (a string, also a numeric one, null, a
            boolean, a list) or not finite (NaN, Infinity).
    """
    try:
        array = np.array(rows)
    except (ValueError, TypeError):  # nested lists of different lengths
        array = np.zeros(0, dtype=object)
    if array.dtype.kind not in 'iuf' or array.ndim != 2:
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if not _is_number(value):
                    raise ValueError(
                        f'{where(r)}: {key}[{c}] is {value!r:.40}, not a '
                        'number')
        array = np.array(rows, dtype=np.float64)  # ints beyond int64
    array = array.astype(np.float64, copy=False)
    bad = np.argwhere(~np.isfinite(array))
    if len(bad):
        r, c = bad[0]
        raise ValueError(f'{where(r)}: {key}[{c}] is {rows[r][c]!r}, not a '
                         'finite number')
    return array


def _annotation_numbers(anns: List[Tuple[int, dict]], key: str, num: int,
                        name: str) -> np.ndarray:
    """Field ``key`` (``num`` numbers) of each ``(index, annotation)``.

    Args:
        anns (list[tuple[int, dict]]): Annotations and their positions in
            the file.
        key (str): The field.
        num (int): Its length.
        name (str): The file, for messages.

    Returns:
        np.ndarray: ``(len(anns), num)`` float64.

    Raises:
        ValueError: Naming file, annotation and field, for a missing
            field, a wrong length or a value that is not a finite number.
    """
    for index, ann in anns:
        value = ann.get(key)
        if not isinstance(value, list):
            got = 'missing' if value is None else f'{value!r:.40}'
            raise ValueError(f'{name}, {_annotation(index, ann)}: {key} is '
                             f'{got}, expected a list of {num} numbers')
        if len(value) != num:
            raise ValueError(f'{name}, {_annotation(index, ann)}: {key} has '
                             f'{len(value)} values, expected {num}')
    return _float_rows([ann[key] for _, ann in anns], key,
                       lambda r: f'{name}, {_annotation(*anns[r])}')


def _people_arrays(anns: List[Tuple[int, dict]], slots: np.ndarray,
                   num_slots: int, is_gt: bool, name: str) -> tuple:
    """The people of ``(index, annotation)`` pairs as arrays.

    A slot is valid unless it is exactly ``(0, 0, 0)``. Head boxes are
    ``x1, y1, x1 + w, y1 + h`` (NaN when ``bbox_head`` is absent); a
    prediction without (or with empty) ``scores`` gets ``-9999``.

    Returns:
        tuple: keypoints ``(A, 15, 2)``, validity ``(A, 15)``, scores
        ``(A, 15)``, head boxes ``(A, 4)`` and the number of predictions
        without scores.
    """
    if not anns:
        return (np.zeros((0, 15, 2)), np.zeros((0, 15), bool),
                np.zeros((0, 15)), np.zeros((0, 4)), 0)
    kpts = _annotation_numbers(anns, 'keypoints', num_slots * 3, name)
    kpts = kpts.reshape(len(anns), num_slots, 3)[:, slots]
    valid = ~((kpts[..., 0] == 0) & (kpts[..., 1] == 0) & (kpts[..., 2] == 0))
    scores = np.full((len(anns), 15), MISSING_SCORE)
    heads = np.full((len(anns), 4), np.nan)
    if is_gt:
        with_head = [i for i, (_, a) in enumerate(anns) if 'bbox_head' in a]
        if with_head:
            box = _annotation_numbers([anns[i] for i in with_head],
                                      'bbox_head', 4, name)
            box[:, 2:] += box[:, :2]
            heads[with_head] = box
        return kpts[..., :2], valid, scores, heads, 0
    with_scores = [i for i, (_, a) in enumerate(anns) if a.get('scores')]
    if with_scores:
        scores[with_scores] = _annotation_numbers(
            [anns[i] for i in with_scores], 'scores', num_slots,
            name)[:, slots]
    return kpts[..., :2], valid, scores, heads, len(anns) - len(with_scores)


def _ignore_regions(image: dict, where: str) -> List[np.ndarray]:
    """Polygons ``(M, 2)`` from ``ignore_regions_x`` / ``_y``; a polygon
    whose two lists differ in length is cut to the shorter, as ``poseval``
    (``zip``) does."""
    if 'ignore_regions_x' not in image or 'ignore_regions_y' not in image:
        return []
    polygons = image['ignore_regions_x'], image['ignore_regions_y']
    if not all(
            isinstance(p, list) and all(isinstance(c, list) for c in p)
            for p in polygons):
        raise ValueError(f'{where}: ignore_regions_x/_y must be lists '
                         'of polygons (lists of coordinates)')
    regions = []
    for i, (xs, ys) in enumerate(zip(*polygons)):
        num = min(len(xs), len(ys))
        regions.append(
            np.stack([
                _float_rows([xs[:num]], f'ignore_regions_x[{i}]',
                            lambda r: where)[0],
                _float_rows([ys[:num]], f'ignore_regions_y[{i}]',
                            lambda r: where)[0]
            ], axis=1))
    return regions


def _objects(value: Any, where: str) -> list:
    """A JSON list of objects (``None`` = empty), else a ``ValueError``."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(
            isinstance(v, dict) for v in value):
        raise ValueError(f'{where} must be a list of objects, got '
                         f'{value!r:.60}')
    return value


def _one_number(record: dict, key: str, where: str) -> Union[int, float]:
    """An ``annolist`` value: ``record[key]`` is a list of one finite
    number; anything else is a ``ValueError`` naming ``where`` and
    ``key``."""
    value = record.get(key)
    number = value[0] if isinstance(value, list) and len(value) == 1 else None
    if not _is_number(number) or not math.isfinite(number):
        raise ValueError(f'{where}: {key} is {value!r:.40}, expected a list '
                         'of one finite number')
    return number


def _track_id(value: Any, where: str) -> int:
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


def _frame_track_ids(values: Sequence[Any],
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
    ids = np.array([_track_id(v, f'{where}, {who}')
                    for v, who in zip(values, people)], dtype=np.int64)
    scored = ids if counted is None else ids[np.asarray(counted, bool)]
    if len(np.unique(scored)) != len(scored):
        uniq, count = np.unique(scored, return_counts=True)
        raise ValueError(f'{where}: track_id {int(uniq[count > 1][0])} is '
                         'given to several people of the frame; a track has '
                         'one person per frame')
    return ids


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
        head[:] = [_one_number(rect, c, where) for c in head_keys]
    annopoints = _objects(rect.get('annopoints'), f'{where}: annopoints')
    points = _objects(annopoints[0].get('point'),
                      f'{where}: annopoints[0].point') if annopoints else []
    missing = unread = 0
    for p, point in enumerate(points):
        at = f'{where}, point {p}'
        j = None if point.get('id') in (None, [None]) else _one_number(
            point, 'id', at)
        if j not in range(15) or valid[int(j)]:
            unread += 1
            continue
        j = int(j)
        kpts[j] = _one_number(point, 'x', at), _one_number(point, 'y', at)
        valid[j] = True
        if not is_gt and 'score' in point:
            scores[j] = _one_number(point, 'score', at)
        else:
            missing += not is_gt
    return kpts, valid, scores, head, missing, unread


def _annolist_regions(frame: dict, where: str) -> List[np.ndarray]:
    """Ignore polygons ``(M, 2)`` of an ``annolist`` frame."""
    regions = []
    for i, region in enumerate(
            _objects(frame.get('ignore_regions'), f'{where}: ignore_regions')):
        at = f'{where}, ignore region {i}'
        points = _objects(region.get('point'), f'{at}: point')
        regions.append(
            np.array([[_one_number(p, 'x', at),
                       _one_number(p, 'y', at)] for p in points],
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


def _load_annolist(video: dict, is_gt: bool, name: str,
                   tracking: bool) -> tuple:
    """Frames of a PoseTrack17 (``annolist``) file (see
    :func:`_annolist_person`); with ``tracking``, their track ids.

    Returns:
        tuple: the frames, the number of predicted joints without a score
        and the number of points ``poseval`` never reads.
    """
    frames, missing, unread = [], 0, 0
    for k, frame in enumerate(_objects(video['annolist'],
                                       f'{name}: annolist')):
        where = f'{name}, frame {k} ({_image_name(frame)})'
        rects = _objects(frame.get('annorect'), f'{where}: annorect')
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
        track_ids = _frame_track_ids(
            [_annolist_track_id(rect) for rect in rects],
            [f'annorect {r}' for r in range(num)], where,
            has_points) if tracking else None
        frames.append(
            PoseTrackFrame(where, kpts, valid, None if is_gt else scores,
                           heads if is_gt else None,
                           _annolist_regions(frame, where) if is_gt else [],
                           track_ids=track_ids, has_points=has_points,
                           video=name, file_name=_image_name(frame)))
    return frames, missing, unread


def _people_by_image(video: dict, name: str) -> Dict[Any, list]:
    """``(index, annotation)`` pairs per image id, in ``images`` order.

    Raises:
        ValueError: For an image without an id, an image id listed twice,
            an annotation that is not an object, and annotations whose
            ``image_id`` is not an image of the file (``poseval`` never
            reads them: the file would score less than it holds).
    """
    people: Dict[Any, list] = {}
    for k, image in enumerate(video['images']):
        image_id = image.get('id') if isinstance(image, dict) else None
        if image_id is None or isinstance(image_id, (list, dict)):
            raise ValueError(f'{name}: images[{k}] has no id (or not a '
                             f'number or string): {image!r:.60}')
        if image_id in people:
            raise ValueError(f'{name}: image id {image_id!r} is listed '
                             f'twice in images (again at images[{k}])')
        people[image_id] = []
    unknown = []
    for k, ann in enumerate(video['annotations']):
        if not isinstance(ann, dict):
            raise ValueError(f'{name}: annotations[{k}] is {ann!r:.40}, '
                             'not an object')
        image_id = ann.get('image_id')
        if isinstance(image_id, (list, dict)) or image_id not in people:
            unknown.append((k, ann))
        else:
            people[image_id].append((k, ann))
    if unknown:
        k, ann = unknown[0]
        raise ValueError(
            f'{name}: {len(unknown)} of {len(video["annotations"])} '
            'annotations have an image_id that is not an id of images, e.g. '
            f"{_annotation(k, ann)}: image_id {ann.get('image_id')!r}; they "
            'would never be scored')
    return people


def _load_posetrack18(video: dict, is_gt: bool, name: str,
                      tracking: bool) -> tuple:
    """Frames of a PoseTrack18 (``images``/``annotations``) file (with
    ``tracking``, their track ids), the number of predicted people without
    ``scores`` and of all people."""
    for key in ('images', 'annotations', 'categories'):
        if key not in video:
            raise ValueError(f'{name}: not a PoseTrack18 file, no "{key}"')
        if not isinstance(video[key], list):
            raise ValueError(f'{name}: "{key}" must be a list, got '
                             f'{type(video[key]).__name__}')
    if not video['categories'] or not isinstance(video['categories'][0],
                                                 dict):
        raise ValueError(f'{name}: "categories" is empty')
    names = video['categories'][0].get('keypoints', [])
    slots = _slot_map(names, name)
    per_image = list(_people_by_image(video, name).values())
    kpts, valid, scores, heads, missing = _people_arrays(
        [a for anns in per_image for a in anns], slots, len(names), is_gt,
        name)
    bounds = np.cumsum([0] + [len(anns) for anns in per_image])
    frames = []
    for image, anns, lo, hi in zip(video['images'], per_image, bounds[:-1],
                                   bounds[1:]):
        where = f"{name}, image id {image.get('id')}"
        track_ids = _frame_track_ids(
            [ann.get('track_id') for _, ann in anns],
            [_annotation(k, ann) for k, ann in anns],
            where) if tracking else None
        frames.append(
            PoseTrackFrame(
                name=where, keypoints=kpts[lo:hi], valid=valid[lo:hi],
                scores=None if is_gt else scores[lo:hi],
                head_boxes=heads[lo:hi] if is_gt else None,
                ignore_regions=_ignore_regions(image, where) if is_gt else [],
                track_ids=track_ids, video=name, image_id=image.get('id'),
                file_name=str(image.get('file_name') or '')))
    return frames, missing, len(kpts)


def load_posetrack18_video(video: Union[str, dict],
                           is_gt: bool,
                           name: str = '',
                           tracking: bool = False) -> List[PoseTrackFrame]:
    """Load one per-video file into frames (file order).

    PoseTrack18 files (``images``/``annotations``) and PoseTrack17 files
    (``annolist``) are both read, as ``poseval`` reads both. Every value
    that is read must be a finite number; every annotation must belong to
    an image of the file. ``poseval``'s tolerances are kept and reported
    with a ``UserWarning`` that counts them: predicted joints without a
    score get ``-9999``; ``annolist`` points with a null or unknown joint
    id, or repeating a joint of the person, are not read.

    Args:
        video (str | dict): Path of the JSON file, or its loaded content.
        is_gt (bool): Ground truth (reads head boxes and ignore regions)
            or prediction (reads ``scores``).
        name (str): Name for messages when ``video`` is a dict.
        tracking (bool): Also read the ``track_id`` of every person: a
            non-negative integer below :data:`MAX_TRACK_ID`, one person
            per id and frame.

    Returns:
        list[PoseTrackFrame]: One entry per image, people in file order,
        ``video`` set to the file (or ``name``).

    Raises:
        FileNotFoundError: If the file does not exist.
        ValueError: Naming the file (and frame, annotation, field) for a
            file that is not JSON or not a PoseTrack file, and for a value
            that is missing, of the wrong length, not a number or not
            finite; with ``tracking``, for a missing, non-integer,
            negative, too large or repeated track id.
    """
    what = 'ground-truth' if is_gt else 'prediction'
    if isinstance(video, str):
        name = name or video
        try:
            video = read_json(video, what, name)
        except UnicodeDecodeError as e:
            raise ValueError(f'{what} file {name} is not valid JSON (not '
                             f'UTF-8 text: {e})') from None
    name = name or f'{what} video'
    if not isinstance(video, dict):
        raise ValueError(f'{name}: not a PoseTrack file (a JSON object with '
                         '"annolist" or "images"), got a '
                         f'{type(video).__name__}')
    if 'annolist' in video:
        frames, missing, unread = _load_annolist(video, is_gt, name,
                                                 tracking)
        without = f'{missing} predicted joints have no score'
        if unread:
            warnings.warn(f'{name}: {unread} annolist points are not read '
                          '(id null or not in 0-14, or a joint id repeated '
                          'within a person: the first counts), as in poseval')
    else:
        frames, missing, total = _load_posetrack18(video, is_gt, name,
                                                   tracking)
        without = f'{missing} of {total} predicted people have no scores'
    if missing:
        warnings.warn(f'{name}: {without}; those joints get score '
                      f'{MISSING_SCORE:g} (ranked last), as in poseval')
    return frames
