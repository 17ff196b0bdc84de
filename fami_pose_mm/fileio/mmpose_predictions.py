# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""MMPose's per-video prediction file: what ``pred_out_dir`` holds.

MMPose's inferencers (``MMPoseInferencer``, ``Pose2DInferencer``) write,
for a video input, one JSON file ``<pred_out_dir>/<video stem>.json``: a
list with one entry per frame, in order::

    [{"frame_id": 0, "instances": [
        {"keypoints": [[x, y], ...], "keypoint_scores": [s, ...],
         "bbox": [[x1, y1, x2, y2]], "bbox_score": s, ...}, ...]}, ...]

``keypoints`` (K x 2) are in frame pixels; ``bbox`` is a list holding one
box, as mmpose's ``split_instances`` makes it. Other keys of an instance
(the video inferencer adds ``track_id``) are kept as they are.
"""
import json
from typing import Any, Dict, List, Sequence

import numpy as np


def _plain(value: Any) -> Any:
    """``value`` with numpy arrays, scalars and tuples made JSON types."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value


class MMPosePredictionWriter:
    """Collect the frames of one video and write MMPose's prediction file.

    Example:
        >>> writer = MMPosePredictionWriter()
        >>> writer.add_frame(0, [dict(keypoints=[[1, 2]],
        ...                           keypoint_scores=[0.9],
        ...                           bbox=([0, 0, 4, 4], ), bbox_score=1.0)])
        >>> writer.frames[0]['instances'][0]['bbox']
        [[0, 0, 4, 4]]
    """

    def __init__(self) -> None:
        self.frames: List[Dict] = []

    def add_frame(self, frame_id: int,
                  instances: Sequence[Dict[str, Any]]) -> None:
        """Add one frame.

        Args:
            frame_id (int): 0-based frame index.
            instances (Sequence[dict]): One dict per person, as the
                inferencer's ``predictions[0]``: ``keypoints`` (K, 2),
                ``keypoint_scores`` (K, ), ``bbox`` ((x1, y1, x2, y2), ),
                ``bbox_score``; numpy values are converted.

        Raises:
            ValueError: If an instance lacks ``keypoints`` or
                ``keypoint_scores``.
        """
        for i, person in enumerate(instances):
            missing = {'keypoints', 'keypoint_scores'} - set(person)
            if missing:
                raise ValueError(f'instance {i} of frame {frame_id} lacks '
                                 f'{sorted(missing)}')
        self.frames.append(
            dict(frame_id=int(frame_id),
                 instances=[_plain(dict(p)) for p in instances]))

    def dump(self, path: str) -> None:
        """Write the frames added so far to ``path`` (indented JSON)."""
        with open(path, 'w') as f:
            json.dump(self.frames, f, indent='  ')


def load_mmpose_predictions(path: str) -> List[Dict]:
    """Read a file of :class:`MMPosePredictionWriter` (or of MMPose).

    Args:
        path (str): The JSON file.

    Returns:
        list[dict]: ``frame_id`` and ``instances`` per frame, in order.

    Raises:
        ValueError: If the file is not a list of such entries.
    """
    with open(path) as f:
        frames = json.load(f)
    if not isinstance(frames, list) or not all(
            isinstance(fr, dict) and {'frame_id', 'instances'} <= set(fr)
            for fr in frames):
        raise ValueError(f'{path} is not an MMPose prediction file: expected '
                         'a list of {"frame_id", "instances"} entries')
    return frames
