# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The PoseTrack18 (COCO-like ``images`` / ``annotations``) per-video file
read into :class:`~.posetrack_frame.PoseTrackFrame` records, as ``poseval``
reads it (see :func:`.posetrack_json.load_posetrack18_video`). Numpy only.
"""
from typing import Any, Dict, List, Sequence, Tuple

import numpy as np

from .json_values import float_rows
from .posetrack_frame import MISSING_SCORE, PoseTrackFrame, frame_track_ids
from .posetrack_layout import POSEVAL_JOINTS


def _slot_map(names: Sequence[str], where: str) -> np.ndarray:
    """Index, for each of the 15 joints, of its slot in ``names``."""
    if len(names) not in (15, 17):
        raise ValueError(f'{where}: categories[0].keypoints must have 15 or '
                         f'17 names, got {len(names)}')
    missing = [n for n in POSEVAL_JOINTS if n not in names]
    if missing:
        raise ValueError(f'{where}: categories[0].keypoints lacks {missing}')
    return np.array([list(names).index(n) for n in POSEVAL_JOINTS])


def _annotation(index: int, ann: dict) -> str:
    """How messages name an annotation: its id (if any) and position."""
    if 'id' in ann:
        return f"annotation id {ann['id']} (annotations[{index}])"
    return f'annotations[{index}] (no id)'


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
    return float_rows([ann[key] for _, ann in anns], key,
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
        return (np.zeros((0, 15, 2)), np.zeros((0, 15), bool), np.zeros(
            (0, 15)), np.zeros((0, 4)), 0)
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
            [anns[i] for i in with_scores], 'scores', num_slots, name)[:,
                                                                       slots]
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
                float_rows([xs[:num]], f'ignore_regions_x[{i}]',
                           lambda r: where)[0],
                float_rows([ys[:num]], f'ignore_regions_y[{i}]',
                           lambda r: where)[0]
            ],
                     axis=1))
    return regions


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


def load_posetrack18_file(video: dict, is_gt: bool, name: str,
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
    if not video['categories'] or not isinstance(video['categories'][0], dict):
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
        track_ids = frame_track_ids([ann.get('track_id') for _, ann in anns],
                                    [_annotation(k, ann) for k, ann in anns],
                                    where) if tracking else None
        frames.append(
            PoseTrackFrame(
                name=where,
                keypoints=kpts[lo:hi],
                valid=valid[lo:hi],
                scores=None if is_gt else scores[lo:hi],
                head_boxes=heads[lo:hi] if is_gt else None,
                ignore_regions=_ignore_regions(image, where) if is_gt else [],
                track_ids=track_ids,
                video=name,
                image_id=image.get('id'),
                file_name=str(image.get('file_name') or ''),
                is_labeled=bool(image.get('is_labeled', True))
                if is_gt else True))
    return frames, missing, len(kpts)
