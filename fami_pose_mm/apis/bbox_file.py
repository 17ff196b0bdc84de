# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Person boxes from a detection JSON file, looked up per frame."""
import os.path as osp
from collections import defaultdict
from typing import Dict, List, Optional, Set

import numpy as np

from fami_pose_mm.fileio import (Detection, filter_detections,
                                 read_detections, split_posetrack_image_id)


class BBoxFile:
    """Person boxes read from a detection JSON file, looked up per frame.

    The file, the required ``bbox`` and ``score`` and the keep rule
    (``category_id`` 1 or absent, ``score >= score_thr``) are those of the
    dataset's ``bbox_file``: see :mod:`fami_pose_mm.fileio.detection_file`.
    Each kept detection goes to the frame given by its first frame key:

    * ``frame_index``: the 0-based index of the frame in the input;
    * its file name (``file_name`` / ``image_name`` / ``img_path``, or in
      the COCO-like dict the ``file_name`` of its image): matched by base
      name to the frame name (video frames are named ``'000000.jpg'``,
      ...; images keep their file name);
    * ``image_id`` (int): a PoseTrack18 image id
      ``1e10 + video_number * 1e4 + frame_index``, so the frame index is
      ``image_id % 10000``.

    Args:
        path (str): The JSON file.
        score_thr (float): Detections scoring below are dropped.
        video_number (int, optional): With PoseTrack image ids of several
            videos in the file, the video to take.

    Raises:
        FileNotFoundError: If the file is missing.
        ValueError: If the file or a detection is malformed (the message
            names the detection's position in the file).
    """

    def __init__(self,
                 path: str,
                 score_thr: float = 0.0,
                 video_number: Optional[int] = None) -> None:
        self.by_index: Dict[int, List[list]] = defaultdict(list)
        self.by_name: Dict[str, List[list]] = defaultdict(list)
        self.video_number = video_number
        self.videos: Set[int] = set()
        detections, _ = filter_detections(read_detections(path), score_thr)
        for det in detections:
            self._add(det, path)
        if video_number is None and len(self.videos) > 1:
            some = ', '.join(str(v) for v in sorted(self.videos)[:5])
            raise ValueError(
                f'bboxes file {path} holds PoseTrack image ids of '
                f'{len(self.videos)} videos ({some}, ...); pick one with '
                'video_number (--bboxes-video) so that frames of different '
                'videos are not mixed')

    def _add(self, det: Detection, path: str) -> None:
        row = det.xyxy + [det.score]
        if det.frame_index is not None:
            self.by_index[det.frame_index].append(row)
        elif det.file_name is not None:
            self.by_name[osp.basename(det.file_name)].append(row)
        elif isinstance(det.image_id, int):
            video, frame = split_posetrack_image_id(det.image_id)
            self.videos.add(video)
            if self.video_number is None or video == self.video_number:
                self.by_index[frame].append(row)
        else:
            raise ValueError(f'detection file {path}: record {det.record} '
                             'has no frame key (frame_index, file_name, '
                             'image_name, img_path or an int image_id)')

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
