# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Person detection (box) files: the one reader and the one keep rule.

Used by the dataset (``PoseTrackVideoDataset(bbox_file=...)``) and by the
video inferencer (``bboxes_file=``), so that the same file gives the same
boxes to both.

A detection file is a JSON list of detections (the COCO / PoseTrack
detection results format, e.g. MMPose's ``*_human_detections.json``) or a
COCO-like dict whose ``annotations`` are the detections and whose
``images`` give the ``file_name`` of each ``id``. Every detection needs

* ``bbox``: 4 finite numbers ``[x, y, w, h]`` in pixels, ``w, h >= 0``,
  and
* ``score``: a finite number. A detection without a score is an error, not
  a certain box: a box that passes every threshold would hide a wrong file.

NaN or Infinity (which Python's JSON reader accepts), a negative width or
height, a ``category_id`` that is not an int, a ``frame_index`` that is not
an int >= 0 and a file name that is not a string are errors naming the
record's position in the file.

Keep rule (:func:`filter_detections`): a detection is kept when its
``category_id`` is 1 (person) or absent, its box has an area (``w > 0``
and ``h > 0``) and ``score >= score_thr`` (the threshold is the lowest
score kept, as in mmpose's top-down datasets with
``filter_cfg=dict(bbox_score_thr=...)``). The others are counted as
``'non-person detection'``, ``'zero-area box'`` or
``'detection score < thr'``.

Which frame a detection belongs to is up to the caller; the frame keys are
read here: ``frame_index``, ``image_id``, and the file name (the first of
``file_name``, ``image_name``, ``img_path``, or in the dict form the
``file_name`` of the image ``image_id``).

A detection may carry a ``track_id`` (an int >= 0, e.g. from a tracker):
datasets pass it on to the metric for tracking evaluation, and in
``crop_mode='own'`` link a person's boxes across frames by it.
"""
import json
import math
from collections import Counter
from dataclasses import dataclass
from typing import Any, List, Optional, Tuple, Union

from .json_values import is_number
from .posetrack_layout import PERSON_CATEGORY_ID

NAME_KEYS = ('file_name', 'image_name', 'img_path')


def read_json(path: str, what: str, name: Optional[str] = None) -> Any:
    """Load a JSON file; every failure names the file.

    Args:
        path (str): Local path of the file.
        what (str): What the file is (``'annotation'``, ``'detection'``).
        name (str, optional): Name of the file in messages; ``path`` if
            None (e.g. the remote name of a downloaded copy).

    Returns:
        The loaded content.

    Raises:
        FileNotFoundError: If the file does not exist.
        ValueError: If it is empty or not JSON.
    """
    name = name or path
    try:
        with open(path, 'r', encoding='utf-8') as f:
            text = f.read()
    except FileNotFoundError:
        raise FileNotFoundError(f'{what} file not found: {name}') from None
    if not text.strip():
        raise ValueError(f'{what} file {name} is empty')
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(
            f'{what} file {name} is not valid JSON: {e}') from None


@dataclass
class Detection:
    """One detection of a file.

    Args:
        record (int): 0-based position in the file (for messages).
        bbox (tuple): ``x, y, w, h`` in pixels.
        score (float): Detection score.
        category_id (int): 1 (person) when absent from the file.
        image_id (int | str, optional): As written.
        frame_index (int, optional): As written.
        file_name (str, optional): See the module docstring.
        track_id (int, optional): The person's track, when the file has
            one.
    """
    record: int
    bbox: Tuple[float, float, float, float]
    score: float
    category_id: int = PERSON_CATEGORY_ID
    image_id: Optional[Union[int, str]] = None
    frame_index: Optional[int] = None
    file_name: Optional[str] = None
    track_id: Optional[int] = None

    def as_record(self, **frame: Any) -> dict:
        """The detection as a record of a detection file: the frame key(s)
        given (``image_id=...`` or ``file_name=...``), ``bbox``, ``score``,
        ``category_id`` and, when set, ``track_id``."""
        out = dict(frame, bbox=list(self.bbox), score=self.score,
                   category_id=self.category_id)
        if self.track_id is not None:
            out['track_id'] = self.track_id
        return out

    @property
    def xyxy(self) -> List[float]:
        """The box as ``[x1, y1, x2, y2]``."""
        x, y, w, h = self.bbox
        return [x, y, x + w, y + h]


def _check_values(det: dict, record: int, where: str) -> None:
    """Finite box and score, no negative size, typed frame keys."""
    x, y, w, h = det['bbox']
    values = dict(x=x, y=y, w=w, h=h, score=det['score'])
    bad = [k for k, v in values.items() if not math.isfinite(v)]
    if bad:
        raise ValueError(f'{where}: record {record} has a non-finite '
                         f'{" and ".join(bad)} (NaN or Infinity), got '
                         f'{det!r}')
    if not 0 <= det['score'] <= 1:
        raise ValueError(f'{where}: record {record} has score '
                         f"{det['score']!r}, not in [0, 1] (a detector's "
                         f'confidence), got {det!r}')
    if w < 0 or h < 0:
        raise ValueError(f'{where}: record {record} has a box of negative '
                         f'width or height (bbox is [x, y, w, h]), got '
                         f'{det!r}')
    category = det.get('category_id', PERSON_CATEGORY_ID)
    frame_index = det.get('frame_index')
    image_id = det.get('image_id')
    if not isinstance(category, int) or isinstance(category, bool):
        raise ValueError(f'{where}: record {record} has a category_id that '
                         f'is not an int, got {det!r}')
    if image_id is not None and not isinstance(image_id, (int, str)) or \
            frame_index is not None and not (
                isinstance(frame_index, int) and frame_index >= 0):
        raise ValueError(f'{where}: record {record} has an image_id or '
                         'frame_index that is not an int (frame_index: '
                         f'>= 0), got {det!r}')
    track_id = det.get('track_id')
    if track_id is not None and not (isinstance(track_id, int) and not
                                     isinstance(track_id, bool)
                                     and track_id >= 0):
        raise ValueError(f'{where}: record {record} has a track_id that is '
                         f'not an int >= 0, got {det!r}')
    for key in NAME_KEYS:
        if det.get(key) is not None and not isinstance(det[key], str):
            raise ValueError(f'{where}: record {record} has a {key} that is '
                             f'not a string, got {det!r}')


def _parse(det: Any, record: int, where: str, id_to_name: dict) -> Detection:
    """One validated :class:`Detection` of the record ``det``."""
    bbox = det.get('bbox') if isinstance(det, dict) else None
    if not (isinstance(bbox, (list, tuple)) and len(bbox) == 4
            and all(is_number(v) for v in bbox)
            and is_number(det.get('score'))):
        raise ValueError(f'{where}: record {record} needs bbox [x, y, w, h] '
                         f'and score (numbers), got {det!r}')
    _check_values(det, record, where)
    image_id = det.get('image_id')
    names = [det[k] for k in NAME_KEYS if det.get(k) is not None]
    return Detection(
        record=record,
        bbox=tuple(float(v) for v in bbox),
        score=float(det['score']),
        category_id=det.get('category_id', PERSON_CATEGORY_ID),
        image_id=image_id,
        frame_index=det.get('frame_index'),
        file_name=names[0] if names else id_to_name.get(image_id),
        track_id=det.get('track_id'))


def _image_names(images: Any, where: str) -> dict:
    """``{id: file_name}`` of the ``images`` of the COCO-like form."""
    if not isinstance(images, list):
        raise ValueError(f'{where}: "images" must be a list')
    names = {}
    for n, img in enumerate(images):
        if not isinstance(img, dict) or not isinstance(
                img.get('id'), (int, str)) or not isinstance(
                    img.get('file_name'), (str, type(None))):
            raise ValueError(f'{where}: image {n} needs an int or str id '
                             f'and a str file_name, got {img!r:.200}')
        names[img['id']] = img.get('file_name')
    return names


def read_detections(path: str, name: Optional[str] = None) -> List[Detection]:
    """Every detection of a file, validated, in file order.

    Args:
        path (str): Local path of the JSON file.
        name (str, optional): Name of the file in messages.

    Returns:
        list[Detection]: Nothing dropped yet (see
        :func:`filter_detections`).

    Raises:
        FileNotFoundError: If the file does not exist.
        ValueError: If the file is not a list / COCO-like dict of
            detections, or a detection lacks ``bbox`` or ``score`` or
            holds a bad value (see the module docstring; the message names
            its position in the file).
    """
    where = f'detection file {name or path}'
    content = read_json(path, 'detection', name)
    id_to_name = {}
    if isinstance(content, dict):
        id_to_name = _image_names(content.get('images') or [], where)
        content = content.get('annotations')
    if not isinstance(content, list):
        raise ValueError(f'{where} must hold a JSON list of detections or a '
                         'dict with "annotations"')
    return [_parse(det, n, where, id_to_name) for n, det in enumerate(content)]


def filter_detections(detections: List[Detection],
                      score_thr: float) -> Tuple[List[Detection], Counter]:
    """Apply the keep rule: person (or no category), a box with an area
    and ``score >= thr``.

    Args:
        detections (list[Detection]): From :func:`read_detections`.
        score_thr (float): Lowest score kept.

    Returns:
        tuple: The kept detections (in order) and a ``Counter`` of the
        dropped ones by reason.
    """
    kept, dropped = [], Counter()
    for det in detections:
        if det.category_id != PERSON_CATEGORY_ID:
            dropped['non-person detection'] += 1
        elif det.bbox[2] <= 0 or det.bbox[3] <= 0:
            dropped['zero-area box'] += 1
        elif det.score < score_thr:
            dropped['detection score < thr'] += 1
        else:
            kept.append(det)
    return kept, dropped
