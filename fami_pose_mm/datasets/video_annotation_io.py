# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Read and validate COCO-style video annotation and detection files.

The annotation file is read with ``json`` directly (not through a COCO
API object) so that every defect is reported with the file and the
offending image or annotation id, and so that image ids are kept exactly
as written in the file (never renumbered; see mmpose issue 3085).
"""
from typing import Dict, List, Tuple

from mmengine.fileio import get_local_path

from fami_pose_mm.fileio import Detection, read_detections, read_json

REQUIRED_IMAGE_KEYS = ('id', 'file_name', 'nframes', 'width', 'height')


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
            ``annotations``, or an image lacks a required key, or an
            annotation points to an unknown image.
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
    for img in data['images']:
        missing = [k for k in REQUIRED_IMAGE_KEYS if k not in img]
        if missing:
            raise ValueError(
                f'annotation file {ann_file}: image '
                f"{img.get('id', img.get('file_name'))!r} lacks {missing}")
        if int(img['nframes']) < 1:
            raise ValueError(
                f'annotation file {ann_file}: image {img["id"]} has '
                f"nframes={img['nframes']}, expected >= 1")
        images[img['id']] = img
    for ann in data['annotations']:
        if ann.get('image_id') not in images:
            raise ValueError(
                f'annotation file {ann_file}: annotation {ann.get("id")} '
                f'refers to unknown image_id {ann.get("image_id")!r}')
    return images, data['annotations'], data.get('categories', [])


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
