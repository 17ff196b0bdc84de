# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Render one sequence with two models' predictions side by side."""
import json
import os.path as osp
from typing import Dict, List, Sequence

import cv2
import numpy as np
from mmpose.datasets.datasets.utils import parse_pose_metainfo

from ..utils.video_writer import VideoFileWriter


def _load_predictions(pred_file: str) -> Dict[str, List[dict]]:
    """Predicted people per frame file name (``images/.../000000.jpg``)."""
    with open(pred_file) as f:
        pred = json.load(f)
    names = {image['id']: image['file_name'] for image in pred['images']}
    people: Dict[str, List[dict]] = {name: [] for name in names.values()}
    for ann in pred['annotations']:
        people[names[ann['image_id']]].append(ann)
    return people


def draw_people(img: np.ndarray,
                people: Sequence[dict],
                metainfo: dict,
                score_thr: float = 0.3) -> np.ndarray:
    """Draw the skeletons of predicted people on a copy of ``img``.

    Args:
        img (np.ndarray): (H, W, 3) BGR frame.
        people (Sequence[dict]): PoseTrack18 prediction annotations
            (``keypoints`` = 17 x (x, y, score)).
        metainfo (dict): mmpose dataset metainfo (skeleton and colours).
        score_thr (float): Keypoints and links below this are not drawn.

    Returns:
        np.ndarray: The drawn frame.
    """
    out = img.copy()
    links = metainfo['skeleton_links']
    link_colors = metainfo['skeleton_link_colors']
    kpt_colors = metainfo['keypoint_colors']
    for person in people:
        kpts = np.asarray(person['keypoints'], dtype=float).reshape(-1, 3)
        for (i, j), color in zip(links, link_colors):
            if min(kpts[i, 2], kpts[j, 2]) < score_thr:
                continue
            cv2.line(out, tuple(int(v) for v in kpts[i, :2]),
                     tuple(int(v) for v in kpts[j, :2]),
                     tuple(int(c) for c in color[::-1]), 2, cv2.LINE_AA)
        for (x, y, s), color in zip(kpts, kpt_colors):
            if s >= score_thr:
                cv2.circle(out, (int(x), int(y)), 3,
                           tuple(int(c) for c in color[::-1]), -1,
                           cv2.LINE_AA)
    return out


def render_side_by_side(data_root: str,
                        pred_files: Sequence[str],
                        titles: Sequence[str],
                        out_file: str,
                        fps: float = 10.0,
                        score_thr: float = 0.3) -> int:
    """Write a video of one sequence with each model's poses side by side.

    Args:
        data_root (str): Dataset root; frame ``file_name`` s are relative.
        pred_files (Sequence[str]): One per-video prediction file per model,
            all for the same video.
        titles (Sequence[str]): A caption per model.
        out_file (str): Output ``.mp4`` path (H.264 when PyAV is
            installed, see :mod:`fami_pose_mm.utils.video_writer`).
        fps (float): Frame rate. Defaults to 10.
        score_thr (float): Keypoint score threshold. Defaults to 0.3.

    Returns:
        int: Number of frames written.
    """
    if len(pred_files) != len(titles):
        raise ValueError(f'{len(pred_files)} prediction files but '
                         f'{len(titles)} titles')
    metainfo = parse_pose_metainfo(
        dict(from_file='configs/_base_/datasets/posetrack18.py'))
    preds = [_load_predictions(p) for p in pred_files]
    names = sorted(preds[0])
    writer = None
    for name in names:
        frame = cv2.imread(osp.join(data_root, name))
        if frame is None:
            raise FileNotFoundError(f'cannot read frame {name} under '
                                    f'{data_root}')
        panels = []
        for pred, title in zip(preds, titles):
            panel = draw_people(frame, pred.get(name, []), metainfo,
                                score_thr)
            cv2.putText(panel, title, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5,
                        (255, 255, 255), 2, cv2.LINE_AA)
            cv2.putText(panel, title, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5,
                        (0, 0, 0), 1, cv2.LINE_AA)
            panels.append(panel)
        canvas = np.concatenate(panels, axis=1)
        if writer is None:
            writer = VideoFileWriter(out_file, fps)
        writer.write(canvas)
    if writer is not None:
        writer.close()
    return len(names)
