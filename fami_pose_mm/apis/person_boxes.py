# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Tracked person boxes of a folder of videos: the boxes file of
:class:`~fami_pose_mm.datasets.UnlabelledVideoDataset`."""
from collections import defaultdict
from typing import Dict, List, Optional

import numpy as np
from mmengine.utils import ProgressBar

from fami_pose_mm.fileio import filter_detections, read_detections
from ..datasets.unlabelled_video_dataset import list_videos
from ..datasets.video_reader import VideoFrameReader
from .person_detector import PersonDetector
from .person_tracker import PersonTracker


def _given_boxes(boxes_file: str, score_thr: float) -> Dict[str, list]:
    """``{'<video>/<frame>': [(x1, y1, x2, y2, score), ...]}`` of a boxes
    file (the keep rule of the detection files; a box without
    ``file_name`` is an error naming it)."""
    kept, _ = filter_detections(read_detections(boxes_file), score_thr)
    by_frame = defaultdict(list)
    for det in kept:
        if not det.file_name or '/' not in det.file_name:
            raise ValueError(
                f'boxes file {boxes_file}: record {det.record} names no frame '
                "as file_name '<video>/<frame>' (e.g. 'clip/000012.jpg')")
        by_frame[det.file_name].append(det.xyxy + [det.score])
    return by_frame


def track_video_boxes(video_root: str,
                      detector: Optional[PersonDetector] = None,
                      boxes_file: Optional[str] = None,
                      tracker_cfg: Optional[dict] = None,
                      score_thr: float = 0.0,
                      show_progress: bool = False) -> List[dict]:
    """Person boxes of every video of a folder, linked into tracks.

    Boxes come from ``detector`` run on every frame, or from
    ``boxes_file`` (a detection file whose detections name their frame as
    ``'<video>/<frame>'``); either way each video's boxes are linked
    frame by frame by a :class:`PersonTracker` (MMDetection's
    ByteTracker by default), which gives every box a ``track_id``. Frames
    are read and named by :class:`VideoFrameReader`, as the video
    inferencer reads them.

    Args:
        video_root (str): Folder of video files and frame folders.
        detector (PersonDetector, optional): The person detector.
        boxes_file (str, optional): Boxes to link instead.
        tracker_cfg (dict, optional): mmdet tracker config.
        score_thr (float): Boxes scoring below are dropped.
        show_progress (bool): A progress bar over the frames.

    Returns:
        list[dict]: Detections (``file_name``, ``bbox`` xywh, ``score``,
        ``category_id`` 1, ``track_id``), the detection-file format.

    Raises:
        ValueError: If neither or both box sources are given, or a given
            box names no frame or a frame of no video.
    """
    if (detector is None) == (boxes_file is None):
        raise ValueError('give a person detector or a boxes file (one of '
                         'them)')
    videos = list_videos(video_root)
    given = None if boxes_file is None else _given_boxes(boxes_file,
                                                         score_thr)
    tracker = PersonTracker(tracker_cfg)
    out, seen = [], set()
    for name, path in videos:
        reader = VideoFrameReader(path)
        tracker.reset()
        progress = ProgressBar(len(reader)) if show_progress else None
        for index, (frame_name, frame) in enumerate(reader):
            key = f'{name}/{frame_name}'
            if progress is not None:
                progress.update()
            if frame is None:
                continue
            if given is not None:
                boxes = np.array(given.get(key, []),
                                 np.float64).reshape(-1, 5)
                seen.add(key)
            else:
                boxes = detector(frame)
                boxes = boxes[boxes[:, 4] >= score_thr]
            for box, track in zip(boxes, tracker(boxes, index)):
                x1, y1, x2, y2, score = (float(v) for v in box)
                out.append(dict(file_name=key, bbox=[x1, y1, x2 - x1, y2 - y1],
                                score=score, category_id=1,
                                track_id=int(track)))
    unknown = sorted(set(given or ()) - seen)
    if unknown:
        raise ValueError(
            f'boxes file {boxes_file}: {len(unknown)} frame(s) are not '
            f'readable frames of a video in {video_root}, e.g. '
            f'{unknown[:3]} (expected names such as '
            f"'{videos[0][0]}/000000.jpg')")
    return out
