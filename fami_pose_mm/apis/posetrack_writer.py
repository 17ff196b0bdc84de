# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Write per-video predictions in the PoseTrack18 prediction format."""
import json
import os.path as osp
from typing import List, Optional

import numpy as np

POSETRACK18_KEYPOINTS = [
    'nose', 'head_bottom', 'head_top', 'left_ear', 'right_ear',
    'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow',
    'left_wrist', 'right_wrist', 'left_hip', 'right_hip', 'left_knee',
    'right_knee', 'left_ankle', 'right_ankle'
]


class PoseTrackJsonWriter:
    """Collect the predictions of one video and dump them as JSON.

    The file follows the PoseTrack18 COCO-like prediction format (one file
    per video, as MMPose's ``PoseTrack18Metric`` writes for the official
    evaluation)::

        {"images": [{"id": t, "file_name": "<video>/<frame name>",
                     "frame_id": t, "vid_id": "<video>"}, ...],
         "annotations": [{"image_id": t, "keypoints": [x1, y1, s1, ...],
                          "scores": [s1, ...], "score": s, "bbox": [x, y, w, h],
                          "track_id": i, "category_id": 1}, ...],
         "categories": [{"id": 1, "name": "person", "keypoints": [...]}]}

    Every frame has an ``images`` entry, also frames without persons.
    ``score`` of an instance is its box score times the mean keypoint score;
    ``track_id`` is the instance's position in its frame (no tracking).

    Args:
        video_name (str): Name of the video (prefix of the file names).
        keypoint_names (list[str], optional): Names of the K keypoints;
            PoseTrack18's 17 by default.
    """

    def __init__(self,
                 video_name: str,
                 keypoint_names: Optional[List[str]] = None) -> None:
        self.video_name = video_name
        self.keypoint_names = keypoint_names or POSETRACK18_KEYPOINTS
        self.images: List[dict] = []
        self.annotations: List[dict] = []

    def add_frame(self, index: int, name: str, keypoints: np.ndarray,
                  keypoint_scores: np.ndarray, bboxes: np.ndarray,
                  bbox_scores: np.ndarray) -> None:
        """Add the predictions of one frame.

        Args:
            index (int): 0-based frame index (used as image id).
            name (str): Frame name.
            keypoints (np.ndarray): (N, K, 2) pixel coordinates.
            keypoint_scores (np.ndarray): (N, K).
            bboxes (np.ndarray): (N, 4) ``x1, y1, x2, y2``.
            bbox_scores (np.ndarray): (N, ).
        """
        self.images.append(
            dict(
                id=int(index),
                file_name=f'{self.video_name}/{name}',
                frame_id=int(index),
                vid_id=self.video_name))
        for i in range(len(keypoints)):
            kpts = np.concatenate(
                [keypoints[i], keypoint_scores[i][:, None]], axis=1)
            x1, y1, x2, y2 = (float(v) for v in bboxes[i])
            self.annotations.append(
                dict(
                    image_id=int(index),
                    category_id=1,
                    keypoints=[round(float(v), 3) for v in kpts.reshape(-1)],
                    scores=[round(float(v), 5) for v in keypoint_scores[i]],
                    score=float(bbox_scores[i] *
                                np.mean(keypoint_scores[i])),
                    bbox=[x1, y1, x2 - x1, y2 - y1],
                    track_id=i))

    def to_dict(self) -> dict:
        """The JSON content."""
        return dict(
            images=self.images,
            annotations=self.annotations,
            categories=[
                dict(
                    id=1,
                    name='person',
                    supercategory='person',
                    keypoints=list(self.keypoint_names))
            ])

    def dump(self, path: str) -> None:
        """Write the file (the folder must exist)."""
        if osp.dirname(path) and not osp.isdir(osp.dirname(path)):
            raise FileNotFoundError(f'output folder {osp.dirname(path)} does '
                                    'not exist')
        with open(path, 'w') as f:
            json.dump(self.to_dict(), f)
