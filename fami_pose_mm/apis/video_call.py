# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""One call of the video inferencer: its options checked once, as they
enter (:class:`CallOptions`), and the run they start (:func:`start_run`):
box source, tracker, outputs and prediction path, handed to the frame
loop (:class:`~.video_run.VideoRun`).

Calls go one way: the inferencer hands down what it built
(:class:`RunSetup`) and gets the run back; nothing here reads or calls
the inferencer.
"""
import warnings
from dataclasses import dataclass
from typing import Callable, Optional, Union

import numpy as np
from mmpose.structures import PoseDataSample

from ..datasets.video_reader import FrameSourceType, VideoFrameReader
from ..utils.frame_offsets import ClipWindow
from .bbox_file import BBoxFile, FileTracks
from .clip_path import clip_parts, empty_sample
from .frame_drawing import render_frame
from .frame_window import FrameWindow
from .mmpose_compat import check_call_options, output_paths
from .person_detector import PersonDetector
from .person_tracker import PersonTracker
from .run_outputs import RunOutputs
from .stream_predictor import StreamingPredictor
from .streaming import stream_parts
from .track_smoothing import TrackSmoother, smoothing_config
from .video_run import VideoRun

#: ``predict_window(window, boxes, video_name, batch_size)`` -> the key
#: frame's merged sample (clip path).
PredictWindow = Callable[[FrameWindow, np.ndarray, str, int],
                         PoseDataSample]


@dataclass
class CallOptions:
    """The keywords of one call (see ``VideoPoseInferencer.__call__``),
    checked when built: thresholds, drawing options and ``batch_size``
    in range, at most one box source, ``smooth`` parsed into
    :attr:`smoothing`.

    Raises:
        ValueError: If a value is out of range, or both ``bboxes_file``
            and ``whole_frame`` are given.
    """
    return_datasamples: bool = False
    batch_size: Optional[int] = None
    out_dir: Optional[str] = None
    vis_out_dir: Optional[str] = None
    pred_out_dir: Optional[str] = None
    show: bool = False
    wait_time: float = 0.001
    return_vis: bool = False
    bbox_thr: float = 0.3
    nms_thr: float = 0.3
    kpt_thr: float = 0.3
    draw_bbox: bool = False
    radius: int = 3
    thickness: int = 1
    black_background: bool = False
    bboxes_file: Optional[str] = None
    bboxes_video: Optional[int] = None
    whole_frame: bool = False
    out_json: Optional[str] = None
    smooth: Union[None, str, dict] = None

    def __post_init__(self) -> None:
        if self.whole_frame and self.bboxes_file:
            raise ValueError('give either bboxes_file or whole_frame=True, '
                             'not both')
        check_call_options(self.bbox_thr, self.nms_thr, self.kpt_thr,
                           self.radius, self.thickness, self.batch_size)
        self.smoothing: Optional[dict] = smoothing_config(self.smooth)

    def draw(self) -> dict:
        """The keywords of :func:`~.frame_drawing.render_frame`."""
        return dict(show=self.show, wait_time=self.wait_time,
                    draw_bbox=self.draw_bbox, kpt_thr=self.kpt_thr,
                    radius=self.radius, thickness=self.thickness,
                    black_background=self.black_background)


@dataclass
class RunSetup:
    """What a run takes from the inferencer, built by its constructor.

    Attributes:
        model: The pose model (PyTorch or ONNX Runtime).
        visualizer: The pose visualizer.
        window (ClipWindow): The model's window.
        batch_size (int): Persons per forward pass unless a call says.
        detector (PersonDetector, optional): The person detector.
        whole_image (bool): ``det_model='whole_image'``: the whole frame
            is the box unless a call gives a ``bboxes_file``.
        tracker (PersonTracker, optional): The tracker, None: no tracking;
            each run tracks with :meth:`~.PersonTracker.fresh` of it.
        stream_predictor (StreamingPredictor, optional): Set when the
            model streams; else the clip path runs ``predict_window``.
        predict_window (PredictWindow): The clip path's key-frame step.
        online (bool): Live mode (past frames only).
        show_progress (bool): Show a progress bar.
    """
    model: object
    visualizer: object
    window: ClipWindow
    batch_size: int
    detector: Optional[PersonDetector]
    whole_image: bool
    tracker: Optional[PersonTracker]
    stream_predictor: Optional[StreamingPredictor]
    predict_window: PredictWindow
    online: bool
    show_progress: bool


def start_run(inputs: FrameSourceType, options: CallOptions,
              setup: RunSetup) -> VideoRun:
    """Check what depends on the input and set up its run.

    Args:
        inputs (str | int | list | np.ndarray): See
            :class:`VideoFrameReader`; one array is a one-frame input.
        options (CallOptions): The call's options.
        setup (RunSetup): The inferencer's parts.

    Returns:
        VideoRun: The frame loop, not started.

    Raises:
        ValueError: If there is no box source, ``smooth`` meets no
            tracking, or the boxes file is malformed or matches no frame.
        PermissionError: If an output file cannot be written.
    """
    opts = options
    whole_frame = opts.whole_frame or (setup.whole_image
                                       and not opts.bboxes_file)
    if setup.detector is None and opts.bboxes_file is None \
            and not whole_frame:
        raise ValueError('no person boxes: give a detector (det_model), '
                         'a bboxes_file, or whole_frame=True')
    if opts.smoothing is not None and setup.tracker is None:
        raise ValueError('smooth= filters the keypoints along each track: '
                         'it needs tracking, which is off (tracker=False, '
                         '--no-tracking)')
    smoother = TrackSmoother(opts.smoothing, setup.online) \
        if opts.smoothing is not None else None
    if isinstance(inputs, np.ndarray):
        inputs = [inputs]
    reader = VideoFrameReader(inputs)
    bbox_source = None
    if opts.bboxes_file and not whole_frame:
        bbox_source = BBoxFile(opts.bboxes_file, opts.bbox_thr,
                               opts.bboxes_video)
        names = reader.frame_names()
        if names:
            bbox_source.check_frames(names, reader.label)
    out_video, pred_file = output_paths(reader.name, opts.out_dir,
                                        opts.vis_out_dir, opts.pred_out_dir)
    outputs = RunOutputs(reader.name, out_video, opts.out_json, reader.fps,
                         pred_file, reader.path)
    if outputs.writer is not None and opts.smoothing is not None:
        outputs.writer.info['smoothing'] = opts.smoothing
    tracker, file_tracks = _run_tracker(setup.tracker, bbox_source,
                                        opts.bboxes_file)
    video_name = reader.name
    batch_size = opts.batch_size or setup.batch_size
    num_keypoints = setup.model.dataset_meta['num_keypoints']
    draw = opts.draw()

    def boxes_of(window: FrameWindow) -> np.ndarray:
        """Person boxes (N, 5) of the key frame of ``window``."""
        height, width = window.frames[0].shape[:2]
        if not whole_frame and bbox_source is not None:
            return bbox_source(window.index, window.name, (width, height),
                               file_tracks)
        if not whole_frame and setup.detector is not None:
            return setup.detector(window.frames[0], opts.bbox_thr,
                                  opts.nms_thr)
        return np.array([[0, 0, width, height, 1]], dtype=np.float32)

    def no_persons(window: FrameWindow) -> PoseDataSample:
        return empty_sample(window, video_name, num_keypoints)

    def render(window: FrameWindow, pred: PoseDataSample,
               ids: Optional[np.ndarray]) -> np.ndarray:
        return render_frame(setup.visualizer, window.name, window.frames[0],
                            pred, draw, ids)

    if setup.stream_predictor is not None:
        buffer, predict, path_counts = stream_parts(
            setup.stream_predictor, batch_size, boxes_of, tracker,
            video_name, no_persons)
    else:
        buffer, predict, path_counts = clip_parts(
            lambda window, boxes: setup.predict_window(
                window, boxes, video_name, batch_size), boxes_of, tracker,
            setup.window, setup.model.test_cfg.get('flip_test', False))

    def counts() -> dict:
        return dict(
            path_counts(),
            tracks=tracker.num_ids if tracker else 0,
            track_fallbacks=tracker.num_fallbacks if tracker else 0,
            boxes_outside=bbox_source.num_outside if bbox_source else 0)

    drawn = opts.return_vis or opts.show or out_video is not None
    return VideoRun(reader, buffer, predict, counts, outputs, no_persons,
                    render if drawn else None, tracker is not None,
                    opts.return_vis, opts.return_datasamples,
                    setup.stream_predictor is not None, setup.show_progress,
                    smoother)


def _run_tracker(tracker: Optional[PersonTracker],
                 bbox_source: Optional[BBoxFile], bboxes_file: Optional[str]):
    """The run's tracker (a fresh copy of the inferencer's, or the boxes
    file's own track ids when every kept box has one) and the
    :class:`FileTracks` those ids go to (None unless used)."""
    if bbox_source is not None and bbox_source.num_track_ids:
        if tracker is not None and bbox_source.has_track_ids:
            file_tracks = FileTracks()
            return file_tracks, file_tracks
        why = ('tracking is off (each person\'s track_id is its index in '
               'its frame)' if tracker is None else
               f'only {bbox_source.num_track_ids} of its '
               f'{bbox_source.num_kept} boxes have one, so the tracker '
               'links all boxes')
        warnings.warn(f'bboxes file {bboxes_file}: its track ids are not '
                      f'used: {why}')
    return (tracker.fresh() if tracker is not None else None), None
