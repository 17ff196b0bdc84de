# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Streaming runs of the video inferencer: when to stream, and the pieces
of a run (the :class:`~.feature_stream.FeatureStream` fed with boxes,
tracks and backbone features frame by frame, and the key-frame
prediction)."""
from typing import Callable, Optional, Tuple

import numpy as np
from mmpose.structures import PoseDataSample

from ..utils.crop_modes import design_of
from .feature_stream import FeatureStream, FrameFeatures, StreamWindow
from .frame_window import FrameWindow
from .stream_predictor import StreamingPredictor


def check_streaming(streaming: Optional[bool], crop_mode: Optional[str],
                    tracking: bool, model_name: str) -> bool:
    """Whether a run streams; see :class:`~.VideoPoseInferencer`.

    Args:
        streaming (bool, optional): The inferencer's option; None: stream
            exactly the models whose design is ``'streaming'``
            (:func:`~fami_pose_mm.utils.crop_modes.design_of`: the
            ``crop_mode='own'`` ones).
        crop_mode (str, optional): The model's crop mode (None: single
            frame).
        tracking (bool): Whether person tracks are made.
        model_name (str): The model's class, for the errors.

    Returns:
        bool: True to stream.

    Raises:
        ValueError: If ``streaming`` is True for a model that does not
            stream, False for one that does, or True without tracking; or
            not a bool or None.
    """
    if streaming is not None and not isinstance(streaming, bool):
        raise ValueError(f'streaming must be None, True or False, got '
                         f'{streaming!r}')
    streams = design_of(crop_mode) == 'streaming'
    if streaming is None:
        streaming = streams
    if streaming and not streams:
        raise ValueError(
            f"streaming=True needs a crop_mode='own' model, got "
            f'{model_name} with crop_mode={crop_mode!r}: streaming '
            'reuses each person-frame\'s backbone feature in every window '
            'it falls in, but with crop_mode=\'key\' every frame is cropped '
            'with the key frame\'s box, so a frame\'s crop (and feature) '
            'differs per key frame; use streaming=None or False')
    if not streaming and streams:
        raise ValueError(
            "streaming=False with a crop_mode='own' model: the clip path "
            "crops every frame with the key frame's box, not the person's "
            'own box the model was trained on; use streaming=None (streams '
            'own-mode models)')
    if streaming and not tracking:
        raise ValueError(
            "streaming (how a crop_mode='own' model runs) links the frames "
            'of a person by its track id, but tracking is disabled '
            '(tracker=False, --no-tracking); enable it')
    return streaming


def stream_parts(predictor: StreamingPredictor, batch_size: int,
                 boxes_of: Callable[[FrameWindow], np.ndarray],
                 tracker: Callable[[np.ndarray, int], np.ndarray],
                 video_name: str,
                 empty_sample: Callable[[FrameWindow], PoseDataSample]
                 ) -> Tuple[FeatureStream, Callable, Callable]:
    """The pieces of a streaming run of the inferencer.

    Args:
        predictor (StreamingPredictor): Backbone, neck and head.
        batch_size (int): Persons per forward pass.
        boxes_of (Callable): Person boxes (N, 5) of a one-frame
            :class:`FrameWindow` (detector, boxes file or whole frame).
        tracker (Callable): ``tracker(boxes, frame_index)`` -> ids (N, ),
            called in frame order (a :class:`~.PersonTracker`).
        video_name (str): Prefix of ``img_path``.
        empty_sample (Callable): The sample of a key frame without persons.

    Returns:
        tuple: The :class:`FeatureStream` (boxes, tracks and features of
        each frame as it is pushed), ``predict(window) -> (sample, track
        ids)`` and ``counts() -> dict`` (``backbone_crops``,
        ``person_frames``, ``support_substituted``, ``support_from_key``,
        ``cache_peak_frames``).
    """

    cropped = dict(person_frames=0)

    def features_of(index: int, name: str,
                    frame: np.ndarray) -> FrameFeatures:
        boxes = boxes_of(FrameWindow(index, name, [frame], [name], [index]))
        ids = tracker(boxes, index)
        persons = predictor.frame_features(frame, boxes, index,
                                           f'{video_name}/{name}', batch_size)
        cropped['person_frames'] += len(boxes)
        return FrameFeatures(boxes, ids, persons)

    def predict(window: StreamWindow) -> Tuple[PoseDataSample, np.ndarray]:
        pred = predictor.predict(window, batch_size)
        return (empty_sample(window) if pred is None else pred,
                window.track_ids)

    stream = FeatureStream(predictor.window, features_of)

    def counts() -> dict:
        person_frames = cropped['person_frames']
        return dict(backbone_crops=person_frames * predictor.crops_per_person,
                    person_frames=person_frames,
                    support_substituted=stream.substituted,
                    support_from_key=stream.from_key,
                    cache_peak_frames=stream.peak_frames)

    return stream, predict, counts
