# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Read and validate COCO-style video annotation and detection files.

The annotation file is read with ``json`` directly (not through a COCO
API object) so that every defect is reported with the file and the
offending image or annotation id, and so that image ids are kept exactly
as written in the file (never renumbered; see mmpose issue 3085).
"""
import math
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
from mmengine.fileio import get_local_path

from fami_pose_mm.fileio import Detection, read_detections, read_json
from fami_pose_mm.fileio.json_values import is_finite_number

REQUIRED_IMAGE_KEYS = ('id', 'file_name', 'nframes', 'width', 'height')
IMAGE_SIZE_KEYS = ('nframes', 'width', 'height')


def _read_json(path: str, what: str):
    """Load a JSON file through mmengine's file backends."""
    with get_local_path(path) as local_path:
        return read_json(local_path, what, name=path)


def load_video_annotations(ann_file: str) -> Tuple[Dict, List[dict], list]:
    """Load a COCO-style PoseTrack/JHMDB annotation file.

    Args:
        ann_file (str): Path of the JSON file with ``images``,
            ``annotations`` and ``categories``.

    Returns:
        tuple:
        - images (dict[int, dict]): image records keyed by their ``id``.
        - annotations (list[dict]): instance records.
        - categories (list[dict]): category records.

    Raises:
        ValueError: If the file is empty, not JSON, lacks ``images`` or
            ``annotations``, a record is not an object, an image lacks a
            required key or has an ``nframes``, ``width`` or ``height``
            that is not an integer >= 1, or an annotation has no ``id`` or
            points to an unknown image.
    """
    data = _read_json(ann_file, 'annotation')
    if not isinstance(data, dict) or not isinstance(
            data.get('images'), list) or not isinstance(
                data.get('annotations'), list):
        raise ValueError(
            f'annotation file {ann_file} must be a JSON object with the '
            "lists 'images' and 'annotations'")
    if not data['images']:
        raise ValueError(f'annotation file {ann_file} has no images')
    images = {}
    for n, img in enumerate(data['images']):
        _check_object(img, f'annotation file {ann_file}: images[{n}]')
        missing = [k for k in REQUIRED_IMAGE_KEYS if k not in img]
        if missing:
            raise ValueError(
                f'annotation file {ann_file}: image '
                f"{img.get('id', img.get('file_name'))!r} lacks {missing}")
        for key in IMAGE_SIZE_KEYS:
            value = img[key]
            if not (is_finite_number(value) and value >= 1
                    and float(value).is_integer()):
                raise ValueError(
                    f'annotation file {ann_file}: image {img["id"]}: '
                    f'{key!r} is {value!r:.40}, expected an integer >= 1')
        images[img['id']] = img
    for n, ann in enumerate(data['annotations']):
        where = f'annotation file {ann_file}: annotations[{n}]'
        _check_object(ann, where)
        if 'id' not in ann:
            raise ValueError(f'{where} (image {ann.get("image_id")!r}) has '
                             "no 'id'")
        if ann.get('image_id') not in images:
            raise ValueError(
                f'annotation file {ann_file}: annotation {ann.get("id")} '
                f'refers to unknown image_id {ann.get("image_id")!r}')
    return images, data['annotations'], data.get('categories', [])


def _check_object(record: Any, where: str) -> None:
    """Raise a ``ValueError`` naming ``where`` unless ``record`` is a
    dict."""
    if not isinstance(record, dict):
        raise ValueError(f'{where} is {record!r:.60}, not an object')


def _finite_numbers(values: Any, length: int, layout: str, where: str,
                    field: str) -> np.ndarray:
    """A list of ``length`` finite numbers as a float32 array.

    Args:
        values: The field as read from JSON.
        length (int): Expected number of values.
        layout (str): The expected values in words, for messages.
        where (str): The file and annotation, for messages.
        field (str): The field name, for messages.

    Returns:
        np.ndarray: ``(length,)`` float32.

    Raises:
        ValueError: Naming ``where``, the field and the position of the
            first value that is not a number (a string, also a numeric
            one, null, a boolean) or not finite (NaN, Infinity), or the
            wrong length or type of the field.
    """
    if not isinstance(values, (list, tuple)):
        raise ValueError(f'{where}: {field!r} must be a list of {layout}, '
                         f'got {type(values).__name__}')
    if len(values) != length:
        raise ValueError(f'{where}: {field!r} has {len(values)} values, '
                         f'expected {layout}')
    # fast path for the usual case; the loop names the first bad value
    if not (set(map(type, values)) <= {int, float}
            and math.isfinite(sum(values))):
        for i, value in enumerate(values):
            if not is_finite_number(value):
                raise ValueError(f'{where}: {field}[{i}] is {value!r:.40}, '
                                 'not a finite number')
    return np.asarray(values, dtype=np.float32)


def read_person(ann: dict, ann_file: str,
                num_keypoints: int) -> Tuple[np.ndarray, np.ndarray,
                                             Optional[float]]:
    """Validated keypoints, box and area of one person annotation.

    Args:
        ann (dict): The annotation record (with ``keypoints`` and
            ``bbox``).
        ann_file (str): The annotation file, for messages.
        num_keypoints (int): K, the joints of the dataset.

    Returns:
        tuple:
        - keypoints (np.ndarray): ``(K, 3)`` float32, x, y (pixels) and
          visibility.
        - bbox (np.ndarray): ``(4,)`` float32, ``x, y, w, h`` in pixels
          (w or h may be 0: the caller skips and counts such a box).
        - area (float, optional): ``ann['area']`` when present.

    Raises:
        ValueError: Naming the file, annotation id, image and field, when
            ``keypoints`` is not a list of K x 3 finite numbers or has a
            negative visibility, ``bbox`` is not 4 finite numbers or has a
            negative width or height, or ``area`` is not a finite number
            >= 0.
    """
    where = (f'annotation file {ann_file}: annotation {ann["id"]} '
             f'(image {ann["image_id"]})')
    num = num_keypoints * 3
    kpts = _finite_numbers(ann['keypoints'], num,
                           f'{num_keypoints} x 3 = {num} numbers', where,
                           'keypoints').reshape(num_keypoints, 3)
    negative = np.flatnonzero(kpts[:, 2] < 0)
    if len(negative):
        j = int(negative[0])
        raise ValueError(f'{where}: keypoints[{3 * j + 2}] (visibility of '
                         f'joint {j}) is {ann["keypoints"][3 * j + 2]!r}, '
                         'expected >= 0')
    bbox = read_box(ann, ann_file)
    area = ann.get('area')
    if area is not None and not (is_finite_number(area) and area >= 0):
        raise ValueError(
            f"{where}: 'area' is {area!r:.40}, not a finite number >= 0")
    return kpts, bbox, area


def read_box(ann: dict, ann_file: str) -> np.ndarray:
    """Validated box of one annotation (the rule of :func:`read_person`).

    Args:
        ann (dict): The annotation record (with ``bbox``).
        ann_file (str): The annotation file, for messages.

    Returns:
        np.ndarray: ``(4,)`` float32, ``x, y, w, h`` in pixels.

    Raises:
        ValueError: Naming the file, annotation id, image and field, when
            ``bbox`` is not 4 finite numbers or has a negative width or
            height.
    """
    where = (f'annotation file {ann_file}: annotation {ann["id"]} '
             f'(image {ann["image_id"]})')
    bbox = _finite_numbers(ann['bbox'], 4, '4 numbers [x, y, w, h]', where,
                           'bbox')
    if (bbox[2:] < 0).any():
        raise ValueError(f"{where}: 'bbox' has a negative width or height: "
                         f"{ann['bbox']}")
    return bbox


def load_detections(bbox_file: str, images: Dict) -> List[Detection]:
    """Read a detection file and attach each detection to its image id.

    The file format and the keep rule are those of
    :mod:`fami_pose_mm.fileio.detection_file` (apply
    :func:`~fami_pose_mm.fileio.filter_detections` to the result). A
    detection's image is its ``image_id``, else the image whose
    ``file_name`` is the detection's file name (``file_name`` /
    ``image_name`` / ``img_path``).

    Args:
        bbox_file (str): Path of the JSON file of detections.
        images (dict[int, dict]): Image records of the annotation file.

    Returns:
        list[Detection]: All detections, in file order, ``image_id`` set.

    Raises:
        ValueError: On an empty/malformed file, a record without ``bbox``
            (4 numbers) or ``score``, or an unknown image.
    """
    with get_local_path(bbox_file) as local_path:
        dets = read_detections(local_path, name=bbox_file)
    name2id = {img['file_name']: i for i, img in images.items()}
    for det in dets:
        img_id = det.image_id
        if img_id is None and det.file_name is not None:
            img_id = name2id.get(det.file_name)
        if img_id not in images:
            written = det.file_name if det.image_id is None else det.image_id
            raise ValueError(
                f'detection file {bbox_file}: record {det.record} refers to '
                f'image {written!r}, which is not in the annotation file')
        det.image_id = img_id
    return dets
