# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The clip path of the video inferencer (``crop_mode='key'`` and
single-frame models): boxes and tracks per key frame, every frame of a
clip cropped with the key frame's person box by the test pipeline, the
persons batched through the model."""
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.dataset import Compose
from mmengine.structures import InstanceData
from mmpose.structures import PoseDataSample

from ..utils.frame_offsets import ClipWindow
from .frame_window import FrameWindow, FrameWindowBuffer
from .person_tracker import PersonTracker
from .stream_predictor import person_results
from .video_run import Predict


def clip_inputs(pipeline: Compose, window: FrameWindow, boxes: np.ndarray,
                video_name: str, frame_offsets: Sequence[int],
                dataset_meta: dict) -> List[dict]:
    """Run the pipeline once per person box of the window.

    Args:
        pipeline (Compose): The test pipeline without its loading steps.
        window (FrameWindow): Key frame and its supporting frames.
        boxes (np.ndarray): (N, 5) ``x1, y1, x2, y2, score``.
        video_name (str): Prefix of ``img_path``.
        frame_offsets (Sequence[int]): Supporting-frame offsets; ``()``: a
            single-frame model (``img`` is the key frame only).
        dataset_meta (dict): The model's ``dataset_meta``.

    Returns:
        list[dict]: N pipeline outputs, one per person.
    """
    paths = [f'{video_name}/{name}' for name in window.names]
    img = list(window.frames) if frame_offsets else window.frames[0]
    return [
        pipeline(
            person_results(img, paths[0], window.index, i, box, dataset_meta,
                           supporting_img_paths=paths[1:],
                           frame_offsets=frame_offsets))
        for i, box in enumerate(boxes)
    ]


def predict_batches(model: torch.nn.Module, collate_fn: Callable,
                    inputs: List[dict],
                    batch_size: int) -> List[PoseDataSample]:
    """``model.test_step`` on ``inputs``, ``batch_size`` at a time, without
    gradients; one sample per input, in order."""
    samples = []
    with torch.no_grad():
        for start in range(0, len(inputs), batch_size):
            batch = collate_fn(inputs[start:start + batch_size])
            samples.extend(model.test_step(batch))
    return samples


def empty_sample(window: FrameWindow, video_name: str,
                 num_keypoints: int) -> PoseDataSample:
    """A sample without persons (no box, or an undecodable frame).

    Args:
        window (FrameWindow): The key frame.
        video_name (str): Prefix of ``img_path``.
        num_keypoints (int): K of the model.

    Returns:
        PoseDataSample: ``pred_instances`` with ``keypoints`` (0, K, 2),
        ``keypoint_scores`` (0, K), ``bboxes`` (0, 4) and ``bbox_scores``
        (0, ); ``ori_shape`` set when the frame is readable.
    """
    metainfo = dict(img_path=f'{video_name}/{window.name}',
                    img_id=window.index)
    if window.readable:
        metainfo['ori_shape'] = window.frames[0].shape[:2]
    empty = PoseDataSample(metainfo=metainfo)
    empty.pred_instances = InstanceData(
        keypoints=np.zeros((0, num_keypoints, 2), np.float32),
        keypoint_scores=np.zeros((0, num_keypoints), np.float32),
        bboxes=np.zeros((0, 4), np.float32),
        bbox_scores=np.zeros((0, ), np.float32))
    return empty


def clip_parts(predict_window: Callable[[FrameWindow, np.ndarray],
                                        PoseDataSample],
               boxes_of: Callable[[FrameWindow], np.ndarray],
               tracker: Optional[PersonTracker],
               window: ClipWindow,
               flip_test: bool) -> Tuple[FrameWindowBuffer, Predict,
                                         Callable[[], Dict]]:
    """The pieces of a clip-path run of the inferencer.

    Args:
        predict_window (Callable): ``predict_window(window, boxes)`` -> the
            key frame's merged sample.
        boxes_of (Callable): Person boxes (N, 5) of a key frame's window.
        tracker (PersonTracker, optional): ``tracker(boxes, frame_index)``
            -> ids (N, ), called in frame order; None: a person's id is its
            index within its frame.
        window (ClipWindow): The model's window.
        flip_test (bool): Whether the model also runs the flipped crops.

    Returns:
        tuple: The :class:`FrameWindowBuffer`, ``predict(window) ->
        (sample, track ids)`` and ``counts() -> dict``
        (``backbone_crops``, crops through the backbone, flipped ones
        included, and ``person_frames``, person boxes of the decoded
        frames).
    """
    counts = dict(backbone_crops=0, person_frames=0)
    crops_per_box = window.num_frames * (2 if flip_test else 1)

    def predict(window: FrameWindow) -> Tuple[PoseDataSample, np.ndarray]:
        boxes = boxes_of(window)
        pred = predict_window(window, boxes)
        ids = tracker(boxes, window.index) if tracker is not None \
            else np.arange(len(boxes), dtype=np.int64)
        counts['person_frames'] += len(boxes)
        counts['backbone_crops'] += len(boxes) * crops_per_box
        return pred, ids

    return FrameWindowBuffer(window), predict, lambda: counts
