# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""PoseTrack17 ``annolist`` video -> COCO-style records (DCPose layout).

The conversion of one official PoseTrack17 video file into the records of
the file ``PoseTrackVideoDataset`` reads: frames are addressed as
``images_renamed/<video folder>/%08d.jpg``, 1-indexed in the order of the
video's sorted frame names (the PoseWarper/DCPose layout), and the 15
PoseTrack17 joints go to their slots of the 17-slot PoseTrack18 layout
(ears left unannotated). Pure: the caller lists the frames and reads the
image size (``tools/dataset_converters/posetrack_to_coco_video.py`` does,
and makes the renamed frames as links).
"""
import os.path as osp
from typing import Any, List, Sequence, Tuple

from .posetrack_layout import (SLOT_OF_JOINT, person_category,
                               posetrack_image_id)

CATEGORIES = [person_category(skeleton=True)]
#: PoseTrack17 joint id (0..14) -> slot of the 17-slot PoseTrack18 layout.
PT17_TO_PT18 = dict(enumerate(SLOT_OF_JOINT.tolist()))


def _scalar(value: Any) -> Any:
    """PoseTrack17 JSON wraps scalars in one-element lists."""
    return value[0] if isinstance(value, list) else value


def posetrack17_frame_folder(video: dict, path: str) -> str:
    """The frame folder of a video, e.g. ``'images/bonn/000001_bonn'``.

    Args:
        video (dict): The file's content, ``{'annolist': [...]}``.
        path (str): The file's path, for error messages.

    Raises:
        ValueError: If ``video`` is not an ``annolist`` object.
    """
    if not isinstance(video, dict) or not video.get('annolist'):
        raise ValueError(f"{path}: expected a JSON object with 'annolist'")
    return osp.dirname(_scalar(video['annolist'][0]['image'])['name'])


def renamed_folder(folder: str) -> str:
    """``images/<...>`` -> ``images_renamed/<...>`` (the DCPose layout)."""
    rest = folder[len('images/'):] if folder.startswith('images/') else folder
    return 'images_renamed/' + rest


def _keypoints(rect: dict, where: str) -> list:
    kpts = [0.0] * 51
    for pt_list in rect.get('annopoints') or []:
        for pt in pt_list.get('point', []):
            jid = int(_scalar(pt['id']))
            if jid not in PT17_TO_PT18:
                raise ValueError(f'{where}: joint id {jid} is not a '
                                 'PoseTrack17 joint (0..14)')
            slot = PT17_TO_PT18[jid]
            kpts[3 * slot:3 * slot + 3] = [
                float(_scalar(pt['x'])), float(_scalar(pt['y'])), 1.0
            ]
    return kpts


def convert_posetrack17_video(video: dict, vid_num: int, path: str,
                              frames: Sequence[str],
                              size: Tuple[int, int]
                              ) -> Tuple[List[dict], List[dict]]:
    """Convert one PoseTrack17 video.

    Args:
        video (dict): The file's content, ``{'annolist': [...]}``.
        vid_num (int): Running number of the video (makes image ids).
        path (str): The file's path, for error messages.
        frames (Sequence[str]): Sorted file names of all frames of the
            video's folder (:func:`posetrack17_frame_folder`).
        size (tuple[int, int]): ``(width, height)`` of the frames.

    Returns:
        tuple: image records and annotation records. Image id is
        ``10**10 + vid_num * 10**4 + new_index``.

    Raises:
        FileNotFoundError: If an annotated frame is not in ``frames``.
        ValueError: If a joint id is not a PoseTrack17 joint.
    """
    folder = posetrack17_frame_folder(video, path)
    new_folder = renamed_folder(folder)
    width, height = size
    images, anns = [], []
    for entry in video['annolist']:
        name = osp.basename(_scalar(entry['image'])['name'])
        if name not in frames:
            raise FileNotFoundError(
                f'{path}: frame {name} not found in {folder}')
        index = frames.index(name) + 1
        img_id = posetrack_image_id(vid_num, index)
        regions = [_scalar(r).get('point', []) for r in
                   entry.get('ignore_regions') or []]
        images.append(dict(
            id=img_id, frame_id=img_id, vid_id=f'{vid_num:06d}',
            file_name=f'{new_folder}/{index:08d}.jpg', nframes=len(frames),
            is_labeled=bool(_scalar(entry.get('is_labeled', [1]))),
            width=width, height=height,
            ignore_regions_x=[[_scalar(p['x']) for p in r] for r in regions],
            ignore_regions_y=[[_scalar(p['y']) for p in r] for r in regions]))
        for k, rect in enumerate(entry.get('annorect') or []):
            where = f'{path}, frame {name}, person {k}'
            head = [_scalar(rect[c]) for c in ('x1', 'y1', 'x2', 'y2')] \
                if 'x1' in rect else None
            anns.append(dict(
                id=img_id * 100 + k, image_id=img_id, category_id=1,
                track_id=int(_scalar(rect.get('track_id', [k]))),
                keypoints=_keypoints(rect, where),
                bbox_head=None if head is None else
                [head[0], head[1], head[2] - head[0], head[3] - head[1]]))
    return images, anns
