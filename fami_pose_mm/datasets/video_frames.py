# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Frame file naming shared by the video datasets and the loader.

A video is a folder of frames named by a template such as ``'{:06d}.jpg'``
(PoseTrack18: ``000000.jpg`` .. ``000148.jpg``, 0-indexed) or
``'{:08d}.jpg'`` (PoseTrack17 renamed by PoseWarper/DCPose:
``00000001.jpg``, 1-indexed). The key frame's index is read from its own
file name; the supporting frames' indices come from
:func:`fami_pose_mm.utils.frame_offsets.clamp_window`, and a supporting
frame missing on disk is replaced by the nearest existing one
(:func:`nearest_candidates`).
"""
import os.path as osp
import posixpath
import re
from typing import List, Optional, Tuple, Union

#: What happens when a supporting frame is missing on disk: ``'error'``
#: (an error naming the frame) or ``'nearest'`` (the nearest existing
#: frame stands in); the dataset's ``missing_frame``, which
#: ``LoadVideoFrames(missing_frame=...)`` may override.
MISSING_FRAME_MODES = ('error', 'nearest')


def check_missing_frame(mode: str) -> str:
    """Return ``mode``; a ValueError naming it unless it is one of
    :data:`MISSING_FRAME_MODES`."""
    if mode not in MISSING_FRAME_MODES:
        raise ValueError(f'missing_frame must be one of '
                         f'{MISSING_FRAME_MODES}, got {mode!r}')
    return mode


def natural_key(name: str) -> List[Union[int, str]]:
    """Sort key that orders numbered file names by their numbers:
    ``frame_2.jpg`` before ``frame_10.jpg`` (string order puts it after).
    """
    return [int(part) if part.isdigit() else part.lower()
            for part in re.split(r'(\d+)', name)]


def parse_frame_index(file_name: str) -> int:
    """Read the frame index from a frame's file name.

    Args:
        file_name (str): e.g. ``'images/val/012834_mpii_test/000007.jpg'``.

    Returns:
        int: The number in the file's stem, e.g. ``7``.

    Raises:
        ValueError: If the stem is not an integer.
    """
    stem = osp.splitext(posixpath.basename(file_name))[0]
    if not stem.isdigit():
        raise ValueError(
            f'frame file name {file_name!r} does not end in a frame number '
            "(expected e.g. '000007.jpg')")
    return int(stem)


def infer_frame_template(file_name: str) -> str:
    """Build a template that reproduces ``file_name``'s digits and suffix.

    Args:
        file_name (str): e.g. ``'clip/00001.png'``.

    Returns:
        str: e.g. ``'{:05d}.png'``.
    """
    stem, ext = osp.splitext(posixpath.basename(file_name))
    return '{:0' + str(len(stem)) + 'd}' + ext


def nearest_candidates(index: int, key_index: int) -> List[int]:
    """Indices to try, nearest first, when frame ``index`` is missing.

    The walk goes from ``index`` towards the key frame and ends with the
    key frame itself, which always exists.

    Args:
        index (int): The missing frame's index.
        key_index (int): The key frame's index.

    Returns:
        list[int]: e.g. ``nearest_candidates(9, 7) == [8, 7]``.
    """
    step = 1 if index < key_index else -1
    return list(range(index + step, key_index + step, step)) or [key_index]


def frame_path(frame_dir: str, template: str, index: int) -> str:
    """Path of frame ``index`` in ``frame_dir``."""
    return osp.join(frame_dir, template.format(index))


def resolve_template(template: Optional[str], key_file: str) -> str:
    """Return ``template`` or, when it is ``None``, one inferred from the
    key frame's file name."""
    return infer_frame_template(key_file) if template is None else template


def split_frame_file(file_name: str) -> Tuple[str, str]:
    """Split ``'a/b/000007.jpg'`` into ``('a/b', '000007.jpg')``."""
    return posixpath.split(file_name.replace('\\', '/'))
