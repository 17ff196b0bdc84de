# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Person boxes from a PoseTrack-style detection JSON file."""
import json
import os.path as osp
from collections import defaultdict
from typing import Dict, List, Optional, Set

import numpy as np

POSETRACK_FRAMES_PER_VIDEO = 10000


class BBoxFile:
    """Person boxes read from a detection JSON file, looked up per frame.

    The file is a list of detections (the format of PoseTrack / COCO
    detection results, e.g. MMPose's ``*_human_detections.json``), or a
    COCO-like dict whose ``annotations`` are those detections and whose
    ``images`` map ``id`` to ``file_name``. Each detection has ``bbox``
    (``[x, y, w, h]`` in pixels), optionally ``score`` (default 1) and
    ``category_id`` (only 1 = person is kept when present), and one frame
    key, tried in this order:

    * ``frame_index``: the 0-based index of the frame in the input;
    * ``file_name`` / ``image_name`` / ``img_path``: matched by base name to
      the frame name (video frames are named ``'000000.jpg'``, ...; images
      keep their file name); or, in the COCO-like dict, the ``file_name``
      of the image whose ``id`` is the detection's ``image_id``;
    * ``image_id`` (int): a PoseTrack18 image id
      ``1e10 + video_number * 1e4 + frame_index``, so the frame index is
      ``image_id % 10000``.

    Args:
        path (str): The JSON file.
        score_thr (float): Detections scoring ``<= score_thr`` are dropped.

    Raises:
        FileNotFoundError: If the file is missing.
        ValueError: If the file or a detection is malformed (the message
            names the detection's position in the file).
    """

    def __init__(self,
                 path: str,
                 score_thr: float = 0.0,
                 video_number: Optional[int] = None) -> None:
        if not osp.isfile(path):
            raise FileNotFoundError(f'bboxes file {path} does not exist')
        try:
            with open(path) as f:
                content = json.load(f)
        except json.JSONDecodeError as err:
            raise ValueError(f'bboxes file {path} is not valid JSON: {err}')
        id_to_name = {}
        if isinstance(content, dict):
            id_to_name = {
                img['id']: img['file_name']
                for img in content.get('images', [])
            }
            content = content.get('annotations')
        if not isinstance(content, list):
            raise ValueError(f'bboxes file {path} must hold a list of '
                             'detections or a dict with "annotations"')
        self.by_index: Dict[int, List[list]] = defaultdict(list)
        self.by_name: Dict[str, List[list]] = defaultdict(list)
        self.video_number = video_number
        self.videos: Set[int] = set()
        for i, det in enumerate(content):
            self._add(det, i, path, id_to_name, score_thr)
        if video_number is None and len(self.videos) > 1:
            some = ', '.join(str(v) for v in sorted(self.videos)[:5])
            raise ValueError(
                f'bboxes file {path} holds PoseTrack image ids of '
                f'{len(self.videos)} videos ({some}, ...); pick one with '
                'video_number (--bboxes-video) so that frames of different '
                'videos are not mixed')

    def _add(self, det: dict, i: int, path: str, id_to_name: dict,
             score_thr: float) -> None:
        where = f'detection {i} of {path}'
        if not isinstance(det, dict) or 'bbox' not in det:
            raise ValueError(f'{where} has no "bbox": {det!r}')
        bbox = det['bbox']
        if len(bbox) != 4:
            raise ValueError(f'{where}: "bbox" must be [x, y, w, h], got '
                             f'{bbox}')
        if det.get('category_id', 1) != 1:
            return
        score = float(det.get('score', 1.0))
        if score <= score_thr:
            return
        x, y, w, h = (float(v) for v in bbox)
        row = [x, y, x + w, y + h, score]
        name = det.get('file_name', det.get('image_name', det.get('img_path')))
        if 'frame_index' in det:
            self.by_index[int(det['frame_index'])].append(row)
        elif name is not None or det.get('image_id') in id_to_name:
            name = name if name is not None else id_to_name[det['image_id']]
            self.by_name[osp.basename(name)].append(row)
        elif isinstance(det.get('image_id'), int):
            frame = det['image_id'] % POSETRACK_FRAMES_PER_VIDEO
            video = det['image_id'] // POSETRACK_FRAMES_PER_VIDEO % 1000000
            self.videos.add(video)
            if self.video_number is None or video == self.video_number:
                self.by_index[frame].append(row)
        else:
            raise ValueError(f'{where} has no frame key (frame_index, '
                             'file_name, image_name, img_path or an int '
                             'image_id)')

    def __call__(self, index: int, name: str) -> np.ndarray:
        """Boxes of one frame.

        Args:
            index (int): 0-based frame index.
            name (str): Frame name.

        Returns:
            np.ndarray: (N, 5) ``x1, y1, x2, y2, score``; (0, 5) if none.
        """
        rows = self.by_index.get(index, []) + self.by_name.get(
            osp.basename(name), [])
        return np.asarray(rows, dtype=np.float32).reshape(-1, 5)
