# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Read and validate COCO-style video annotation and detection files.

The annotation file is read with ``json`` directly (not through a COCO
API object) so that every defect is reported with the file and the
offending image or annotation id, and so that image ids are kept exactly
as written in the file (never renumbered; see mmpose issue 3085).
"""
import json
from typing import Dict, List, Tuple

from mmengine.fileio import get_local_path

REQUIRED_IMAGE_KEYS = ('id', 'file_name', 'nframes', 'width', 'height')


def _read_json(path: str, what: str):
    """Load a JSON file, turning every failure into a ``ValueError``."""
    try:
        with get_local_path(path) as local_path:
            with open(local_path, 'r', encoding='utf-8') as f:
                text = f.read()
    except FileNotFoundError:
        raise FileNotFoundError(f'{what} file not found: {path}') from None
    if not text.strip():
        raise ValueError(f'{what} file {path} is empty')
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(
            f'{what} file {path} is not valid JSON: {e}') from None


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


def load_detections(bbox_file: str, images: Dict) -> List[dict]:
    """Load a detection file and attach each box to its image id.

    Each record is ``{'image_id': int (or 'image_name': str),
    'category_id': 1, 'bbox': [x, y, w, h], 'score': float}``.

    Args:
        bbox_file (str): Path of the JSON list of detections.
        images (dict[int, dict]): Image records of the annotation file.

    Returns:
        list[dict]: The records with ``image_id`` filled in, in file order.

    Raises:
        ValueError: On an empty/malformed file, a record without ``bbox``
            (4 numbers) or ``score``, or an unknown image.
    """
    dets = _read_json(bbox_file, 'detection')
    if not isinstance(dets, list):
        raise ValueError(
            f'detection file {bbox_file} must hold a JSON list of boxes')
    name2id = {img['file_name']: i for i, img in images.items()}
    out = []
    for n, det in enumerate(dets):
        if not isinstance(det, dict) or len(det.get('bbox', [])) < 4 \
                or 'score' not in det:
            raise ValueError(
                f'detection file {bbox_file}: record {n} needs bbox '
                f'[x, y, w, h] and score, got {det!r}')
        img_id = det.get('image_id')
        if img_id is None and 'image_name' in det:
            img_id = name2id.get(det['image_name'])
        if img_id not in images:
            raise ValueError(
                f'detection file {bbox_file}: record {n} refers to image '
                f"{det.get('image_id', det.get('image_name'))!r}, which is "
                'not in the annotation file')
        out.append(dict(det, image_id=img_id))
    return out
