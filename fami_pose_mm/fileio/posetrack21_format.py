# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The PoseTrack21 per-video file (``posetrack_data/<split>/<video>.json``):
what it adds to PoseTrack18's and the checks that tell the two apart.

PoseTrack21 keeps PoseTrack18's COCO-like layout (``images``,
``annotations``, ``categories``, the 17-slot keypoints) and adds:

* per annotation ``person_id`` (an identity across the dataset) next to
  ``track_id`` (the track within the video);
* per image ``is_labeled`` (the frame's poses are annotated) and
  ``has_labeled_person``;
* box-only persons: annotations with a ``bbox`` and no keypoints (every
  slot ``(0, 0, 0)`` or no ``keypoints``): boxes for detection and
  tracking, no keypoint targets, never matched by the pose metrics;
* ignore regions per image (``ignore_regions_x`` / ``_y``, as PoseTrack18),
  each polygon with at least three points.

Numpy only.
"""
from typing import Any, List

import numpy as np

#: Fields a PoseTrack21 annotation has and a PoseTrack18 one has not.
POSETRACK21_ANNOTATION_KEYS = ('person_id', )
#: Fields of a PoseTrack21 image that PoseTrack18 images lack.
POSETRACK21_IMAGE_KEYS = ('has_labeled_person', )


def is_posetrack21(video: dict) -> bool:
    """Whether a loaded per-video file is PoseTrack21's: an annotation has
    ``person_id`` or an image ``has_labeled_person`` (PoseTrack18 images
    have ``is_labeled`` too, so that field does not decide)."""
    anns = video.get('annotations') or []
    images = video.get('images') or []
    return any(isinstance(a, dict) and 'person_id' in a for a in anns) or \
        any(isinstance(i, dict) and 'has_labeled_person' in i for i in images)


def check_dataset_of(video: dict, name: str, dataset: str) -> None:
    """Refuse a file of the other PoseTrack version.

    Args:
        video (dict): The loaded per-video file (``images`` /
            ``annotations``).
        name (str): The file, for messages.
        dataset (str): ``'posetrack18'`` or ``'posetrack21'``: what the
            caller reads.

    Raises:
        ValueError: Naming the file (and the first annotation without
            ``person_id``), for a PoseTrack21 file read as PoseTrack18 or
            the reverse; for PoseTrack21, naming file, image and field, for
            an ignore polygon of fewer than three points or an
            ``is_labeled`` that is not a boolean.
    """
    pt21 = is_posetrack21(video)
    if dataset == 'posetrack18' and pt21:
        raise ValueError(
            f'{name}: a PoseTrack21 file (person_id / has_labeled_person), '
            "read as PoseTrack18 (read it as 'posetrack21')")
    if dataset != 'posetrack21':
        return
    for k, ann in enumerate(video.get('annotations') or []):
        if isinstance(ann, dict) and 'person_id' not in ann:
            what = 'a PoseTrack18 file, ' if not pt21 else ''
            raise ValueError(
                f'{name}: annotation id {ann.get("id")} (annotations[{k}], '
                f'image id {ann.get("image_id")}) has no person_id: '
                f"{what}not a PoseTrack21 file (read it as 'posetrack18')")
    for k, image in enumerate(video.get('images') or []):
        where = (f'{name}, image id '
                 f'{image.get("id") if isinstance(image, dict) else k}')
        check_ignore_regions(image, where)
        if isinstance(image, dict) and not isinstance(
                image.get('is_labeled', True), bool):
            raise ValueError(f'{where}: is_labeled is '
                             f'{image["is_labeled"]!r:.40}, expected true or '
                             'false')


def check_ignore_regions(image: Any, where: str) -> None:
    """A PoseTrack21 image's ignore polygons: paired lists of numbers, each
    polygon with at least three points.

    Raises:
        ValueError: Naming ``where`` (file and image) and the field.
    """
    if not isinstance(image, dict):
        return
    xs, ys = image.get('ignore_regions_x'), image.get('ignore_regions_y')
    if xs is None and ys is None:
        return
    if not isinstance(xs, list) or not isinstance(ys, list) \
            or len(xs) != len(ys):
        raise ValueError(f'{where}: ignore_regions_x and ignore_regions_y '
                         'must be lists with one entry per polygon')
    for i, (px, py) in enumerate(zip(xs, ys)):
        if not isinstance(px, list) or not isinstance(py, list) \
                or len(px) != len(py):
            raise ValueError(
                f'{where}: ignore_regions_x[{i}] / ignore_regions_y[{i}] '
                'must be lists of one length (a polygon\'s x and y)')
        if len(px) < 3:
            raise ValueError(
                f'{where}: ignore_regions_x[{i}] has {len(px)} points; a '
                'polygon needs at least 3')


def box_only(keypoints: Any) -> bool:
    """Whether an annotation's ``keypoints`` hold no joint (absent, empty,
    or every slot ``(0, 0, 0)``): a box-only person."""
    if not keypoints:
        return True
    values = np.asarray(keypoints, dtype=np.float64).reshape(-1, 3)
    return bool((values == 0).all())


def labelled_images(video: dict) -> List[Any]:
    """Ids of the images whose poses are annotated (``is_labeled``; an
    image without the field counts as labelled)."""
    return [i['id'] for i in video.get('images') or []
            if isinstance(i, dict) and i.get('is_labeled', True)]
