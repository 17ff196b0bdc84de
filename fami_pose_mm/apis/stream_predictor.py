# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Streaming prediction: the backbone once per person-frame.

For a ``crop_mode='own'`` model (see
:class:`~fami_pose_mm.models.pose_estimators.VideoTopdownPoseEstimator`)
:class:`StreamingPredictor` crops every person of a frame with its own box
(the test pipeline on that one frame), runs the crops of the frame through
the backbone in one batch (with the flipped crops when the model's
``test_cfg.flip_test`` is on) and keeps each feature with its crop affine;
per key frame it stacks the T cached features of each person's track
(:class:`~.feature_stream.TrackClip`) and calls the model's
``predict_from_features``. The results are those of the model's
``predict`` on the same T own crops, built clip by clip.
"""
from typing import Callable, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.dataset import Compose
from mmpose.structures import PoseDataSample, merge_data_samples
from mmpose.structures.bbox import get_warp_matrix

from ..utils.frame_offsets import ClipWindow
from .feature_stream import PersonFeature, StreamWindow


def person_results(img, img_path: str, img_id: int, person: int,
                   box: np.ndarray, dataset_meta: dict, **extra) -> dict:
    """The pipeline input of one person box.

    Args:
        img (np.ndarray | list[np.ndarray]): The BGR frame (H, W, 3), or
            the clip's frames, key frame first.
        img_path (str): ``<video>/<frame name>`` of the key frame.
        img_id (int): Index of the key frame.
        person (int): Index of the box within its frame (``id``).
        box (np.ndarray): (5, ) ``x1, y1, x2, y2, score``.
        dataset_meta (dict): The model's dataset meta (``flip_indices``...).
        **extra: More keys (``frame_offsets``, ``supporting_img_paths``).

    Returns:
        dict: The results dict for the test pipeline (no loading step).
    """
    height, width = (img[0] if isinstance(img, list) else img).shape[:2]
    results = dict(
        img=img, img_path=img_path, id=person, img_id=img_id, category_id=1,
        ori_shape=(height, width), img_shape=(height, width),
        bbox=box[None, :4].astype(np.float32),
        bbox_score=box[4:5].astype(np.float32), **extra)
    results.update(dataset_meta)
    return results


class StreamingPredictor:
    """Backbone per person-frame, neck and head per key frame.

    Holds no state of a run: one predictor serves every run of an
    inferencer.

    Args:
        model: A ``VideoTopdownPoseEstimator`` with ``crop_mode='own'``.
        pipeline (Compose): The test pipeline without its loading steps;
            its box and affine steps crop one frame per call.
        collate_fn (Callable): Collates pipeline outputs into a batch.
        window (ClipWindow | Sequence[int]): The model's window (or its
            supporting-frame offsets).

    Attributes:
        crops_per_person (int): Crops through the backbone per person-frame
            (2 with the flip test, else 1).

    Raises:
        ValueError: If a step of the pipeline warps with ``use_udp=True``.
    """

    def __init__(self, model, pipeline: Compose, collate_fn: Callable,
                 window: Union[ClipWindow, Sequence[int]]) -> None:
        for step in pipeline.transforms:
            if getattr(step, 'use_udp', False):
                raise ValueError(
                    f'streaming: {type(step).__name__}(use_udp=True) is not '
                    "supported by crop_mode='own' (crop_resample assumes "
                    "mmpose's plain warp); use use_udp=False")
        self.model = model
        self.pipeline = pipeline
        self.collate_fn = collate_fn
        self.window = ClipWindow.of(window)
        self.flip = bool(model.test_cfg.get('flip_test', False))
        self.crops_per_person = 2 if self.flip else 1

    def frame_features(self, frame: np.ndarray, boxes: np.ndarray,
                       index: int, img_path: str,
                       batch_size: int) -> List[PersonFeature]:
        """Crop each person of one frame with its box; backbone once.

        Args:
            frame (np.ndarray): BGR image (H, W, 3).
            boxes (np.ndarray): (N, 5) ``x1, y1, x2, y2, score``.
            index (int): Frame index.
            img_path (str): ``<video>/<frame name>``.
            batch_size (int): Persons per backbone call.

        Returns:
            list[PersonFeature]: One per box, in box order.
        """
        data = [
            self.pipeline(
                person_results(frame, img_path, index, i, box,
                               self.model.dataset_meta,
                               frame_offsets=self.window.offsets))
            for i, box in enumerate(boxes)
        ]
        persons = []
        for start in range(0, len(data), batch_size):
            batch = self.model.data_preprocessor(
                self.collate_fn(data[start:start + batch_size]), False)
            feats, flips = self._per_frame(batch['inputs'])
            for i, sample in enumerate(batch['data_samples']):
                persons.append(
                    PersonFeature(feats[i], None if flips is None else
                                  flips[i], _warp_mat(sample), sample))
        return persons

    def _per_frame(self, inputs: torch.Tensor) -> Tuple:
        """(N, C, h, w) features of the crops (N, [1,] 3, H, W) and of the
        flipped crops (None without flip test), in one call of the model's
        ``frame_features`` (the backbone, and the head's deconvolutions when
        the neck runs after them)."""
        crops = inputs.reshape(-1, *inputs.shape[-3:])
        num = len(crops)
        if self.flip:
            crops = torch.cat([crops, crops.flip(-1)])
        with torch.no_grad():
            feat = self.model.frame_features(crops)
        return feat[:num], (feat[num:] if self.flip else None)

    def predict(self, window: StreamWindow,
                batch_size: int) -> Optional[PoseDataSample]:
        """Poses of the persons of one key frame from cached features.

        Args:
            window (StreamWindow): The key frame and its persons' clips.
            batch_size (int): Persons per neck/head call.

        Returns:
            PoseDataSample, optional: The persons merged as
            :meth:`~.VideoPoseInferencer.predict_window` does, with
            metainfo ``clip_frames`` (N, T) int64: the frame each feature
            came from, key frame first; None without persons.
        """
        samples = []
        for start in range(0, len(window.clips), batch_size):
            clips = window.clips[start:start + batch_size]
            feats = torch.stack(
                [torch.stack([p.feat for p in c.persons]) for c in clips])
            flips = None
            if self.flip:
                flips = torch.stack([
                    torch.stack([p.flip_feat for p in c.persons])
                    for c in clips
                ])
            mats = np.stack(
                [np.stack([p.warp_mat for p in c.persons]) for c in clips])
            keys = [c.persons[0].sample for c in clips]
            for sample, mat in zip(keys, mats):
                sample.set_metainfo(dict(frame_warp_mats=mat))
            with torch.no_grad():
                samples.extend(
                    self.model.predict_from_features(feats, mats, keys,
                                                     flips))
        if not samples:
            return None
        merged = merge_data_samples(samples)
        merged.set_metainfo(
            dict(clip_frames=np.array([c.frames for c in window.clips],
                                      dtype=np.int64)))
        return merged


def _warp_mat(sample: PoseDataSample) -> np.ndarray:
    """(2, 3) float32 affine of a crop: ``get_warp_matrix`` of its
    ``input_center``/``input_scale``/``input_size``, as mmpose's
    ``TopdownAffine`` (and ``ClipTopdownAffine``) warped it (no rotation
    at test time)."""
    meta = sample.metainfo
    mat = get_warp_matrix(meta['input_center'], meta['input_scale'], 0.,
                          output_size=meta['input_size'])
    return mat.astype(np.float32)
