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
:class:`~fami_pose_mm.fileio.posetrack_json_writer.PoseTrackVideoWriter`;
the readers of the two forms are :mod:`.posetrack18_reader` and
:mod:`.posetrack17_reader`, the frame record :mod:`.posetrack_frame` and
the value checks :mod:`.json_values`; this module chooses between them.

The reader scores every person of a file or says why not: a value that
is read must be a finite number (a numeric string, null, NaN or Infinity
is an error naming file, annotation and field), and an annotation whose
``image_id`` is not an image of the file is an error. What ``poseval``
tolerates stays tolerated, with a ``UserWarning`` that counts it (see
:func:`load_posetrack18_video` and
:func:`~fami_pose_mm.fileio.posetrack_folders.load_posetrack18_folders`).
"""
import warnings
from typing import Any, List, Union

from .detection_file import read_json
from .posetrack17_reader import load_annolist_file
from .posetrack18_reader import load_posetrack18_file
from .posetrack_frame import MAX_TRACK_ID, MISSING_SCORE, PoseTrackFrame

__all__ = [
    'MAX_TRACK_ID', 'MISSING_SCORE', 'PoseTrackFrame',
    'load_posetrack18_video', 'read_video_json'
]


def read_video_json(path: str, what: str, name: str = '') -> Any:
    """A per-video file's JSON content; every failure (missing, empty, not
    JSON, not UTF-8) is an error naming the file."""
    name = name or path
    try:
        return read_json(path, what, name)
    except UnicodeDecodeError as e:
        raise ValueError(f'{what} file {name} is not valid JSON (not '
                         f'UTF-8 text: {e})') from None


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
        video = read_video_json(video, what, name)
    name = name or f'{what} video'
    if not isinstance(video, dict):
        raise ValueError(f'{name}: not a PoseTrack file (a JSON object with '
                         '"annolist" or "images"), got a '
                         f'{type(video).__name__}')
    if 'annolist' in video:
        frames, missing, unread = load_annolist_file(video, is_gt, name,
                                                     tracking)
        without = f'{missing} predicted joints have no score'
        if unread:
            warnings.warn(f'{name}: {unread} annolist points are not read '
                          '(id null or not in 0-14, or a joint id repeated '
                          'within a person: the first counts), as in poseval')
    else:
        frames, missing, total = load_posetrack18_file(video, is_gt, name,
                                                       tracking)
        without = f'{missing} of {total} predicted people have no scores'
    if missing:
        warnings.warn(f'{name}: {without}; those joints get score '
                      f'{MISSING_SCORE:g} (ranked last), as in poseval')
    return frames
