# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""PoseTrack17 ``annolist`` video -> COCO-style records (DCPose layout)."""
import os
import os.path as osp
from typing import List, Optional, Tuple

import cv2

from fami_pose_mm.fileio import (SLOT_OF_JOINT, person_category,
                                 posetrack_image_id)

CATEGORIES = [person_category(skeleton=True)]
# PoseTrack17 joint id (0..14) -> slot of the 17-slot PoseTrack18 layout
PT17_TO_PT18 = dict(enumerate(SLOT_OF_JOINT.tolist()))

def _scalar(v):
    """PoseTrack17 JSON wraps scalars in one-element lists."""
    return v[0] if isinstance(v, list) else v


def _frame_list(frames_root: str, folder: str) -> List[str]:
    path = osp.join(frames_root, folder)
    if not osp.isdir(path):
        raise FileNotFoundError(f'frame folder not found: {path}')
    return sorted(f for f in os.listdir(path)
                  if f.lower().endswith(('.jpg', '.jpeg', '.png')))


def _renamed_folder(folder: str) -> str:
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
                              frames_root: Optional[str]
                              ) -> Tuple[List[dict], List[dict]]:
    """Convert one PoseTrack17 video.

    Args:
        video (dict): The file's content, ``{'annolist': [...]}``.
        vid_num (int): Running number of the video (makes image ids).
        path (str): The file's path, for error messages.
        frames_root (str): Folder holding the original ``images/``.

    Returns:
        tuple: image records and annotation records. Image id is
        ``10**10 + vid_num * 10**4 + new_index``.
    """
    if frames_root is None:
        raise ValueError('posetrack17 conversion needs --frames-root')
    if not isinstance(video, dict) or not video.get('annolist'):
        raise ValueError(f"{path}: expected a JSON object with 'annolist'")
    folder = osp.dirname(_scalar(video['annolist'][0]['image'])['name'])
    frames = _frame_list(frames_root, folder)
    frame_dir = osp.join(frames_root, folder)
    if not frames:
        raise ValueError(f'{path}: no frames in {frame_dir}')
    first = cv2.imread(osp.join(frame_dir, frames[0]))
    if first is None:
        raise ValueError(f'{path}: cannot read {frames[0]} in {frame_dir}')
    height, width = first.shape[:2]
    new_folder = _renamed_folder(folder)
    os.makedirs(osp.join(frames_root, new_folder), exist_ok=True)
    for n, name in enumerate(frames, start=1):
        link = osp.join(frames_root, new_folder, f'{n:08d}.jpg')
        if not osp.lexists(link):
            os.symlink(osp.relpath(osp.join(frame_dir, name),
                                   osp.dirname(link)), link)
    images, anns = [], []
    for entry in video['annolist']:
        name = osp.basename(_scalar(entry['image'])['name'])
        if name not in frames:
            raise FileNotFoundError(
                f'{path}: frame {name} not found in {frame_dir}')
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
