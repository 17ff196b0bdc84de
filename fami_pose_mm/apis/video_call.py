# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Calling the video inferencer: the call's options checked, its box
source, tracker, outputs and prediction path set up, and its frame loop
(:class:`~.video_run.VideoRun`) returned as a generator."""
import warnings
from typing import Generator, Optional, Union

import numpy as np
from mmpose.structures import PoseDataSample

from .bbox_file import BBoxFile, FileTracks
from .clip_path import clip_parts, empty_sample
from .frame_drawing import render_frame
from ..datasets.video_reader import FrameSourceType, VideoFrameReader
from .frame_window import FrameWindow
from .mmpose_compat import check_call_options, output_paths, reject_keywords
from .person_tracker import PersonTracker
from .run_outputs import RunOutputs
from .stream_predictor import StreamingPredictor
from .track_smoothing import TrackSmoother, smoothing_config
from .streaming import stream_parts
from .video_run import VideoRun


class VideoCallMixin:
    """``__call__`` of :class:`~.VideoPoseInferencer`.

    Uses what the inferencer's constructor sets: ``model``, ``pipeline``,
    ``collate_fn``, ``visualizer``, ``frame_offsets``, ``batch_size``,
    ``detector``, ``whole_image``, ``tracker_cfg``, ``streaming`` and
    ``show_progress``, and its ``predict_window``. Sets ``stats`` and
    ``feature_stream`` when a run starts.
    """

    def __call__(self,
                 inputs: FrameSourceType,
                 return_datasamples: bool = False,
                 batch_size: Optional[int] = None,
                 out_dir: Optional[str] = None,
                 *,
                 vis_out_dir: Optional[str] = None,
                 pred_out_dir: Optional[str] = None,
                 show: bool = False,
                 wait_time: float = 0.001,
                 return_vis: bool = False,
                 bbox_thr: float = 0.3,
                 nms_thr: float = 0.3,
                 kpt_thr: float = 0.3,
                 draw_bbox: bool = False,
                 radius: int = 3,
                 thickness: int = 1,
                 black_background: bool = False,
                 bboxes_file: Optional[str] = None,
                 bboxes_video: Optional[int] = None,
                 whole_frame: bool = False,
                 out_json: Optional[str] = None,
                 smooth: Union[None, str, dict] = None,
                 **kwargs) -> Generator:
        """Run on a video, a folder of frames, a list of images or a webcam.

        Called as MMPose's inferencers are, with the same keywords, their
        meaning and the same result per frame (docs/inference.md, section
        MMPose inferencer API, lists where a keyword differs).
        Boxes come from ``whole_frame`` (the whole frame is one person box;
        also when the constructor had ``det_model='whole_image'`` and no
        ``bboxes_file`` is given), else ``bboxes_file`` (see
        :class:`BBoxFile`), else the detector.
        Arguments, inputs, boxes file and output paths are checked when
        called, before the first frame; the frames are processed as the
        returned generator is consumed. A frame that cannot be decoded gets
        an empty entry (and a black video frame) with a warning. If the run
        stops early (an error, or the caller closes the generator), the
        video is closed and the JSON files written for the frames done, the
        PoseTrack one marked partial (``info.partial``); an error gets a
        note naming the frame.
        All thresholds and drawing options hold for this call only. Each
        call is a new video for the tracker (fresh tracks, ids from 0); an
        undecodable frame is not given to it (a gap, as a frame in which
        nobody was detected). When streaming, boxes, tracks and backbone
        features are made as each frame is read (not when it becomes a key
        frame); results are the same frames, delayed the same.

        ``stats`` (of the last run started) also counts ``backbone_crops``
        (crops through the backbone, flipped ones included) and
        ``person_frames`` (person boxes of the decoded frames that were
        cropped), and when streaming ``support_substituted`` /
        ``support_from_key`` (supporting frames of a person missing from
        them, see :class:`~.feature_stream.FeatureStream`) and
        ``cache_peak_frames``; :attr:`feature_stream` is the run's stream
        (None on the clip path).

        Args:
            inputs (str | int | list | np.ndarray): See
                :class:`VideoFrameReader`; one array is a one-frame input.
            return_datasamples (bool): Give :class:`PoseDataSample` instead
                of lists of instance dicts.
            batch_size (int, optional): Persons per forward pass in this
                call; None: the constructor's.
            out_dir (str, optional): Sets ``vis_out_dir`` to
                ``out_dir/visualizations`` and ``pred_out_dir`` to
                ``out_dir/predictions``, unless they are given.
            vis_out_dir (str, optional): Write the rendered frames as a
                video (H.264 when PyAV is installed): a folder gets
                ``<input name>.mp4``; a path with an extension is the file.
            pred_out_dir (str, optional): Write MMPose's prediction file
                ``<input name>.json`` (``frame_id`` and ``instances`` per
                frame) in this folder.
            show (bool): Show each rendered frame in a window.
            wait_time (float): Seconds each shown frame stays.
            return_vis (bool): Put the rendered RGB frame in the results.
            bbox_thr (float): Minimum box score (detector: above it; boxes
                file: at least it).
            nms_thr (float): IoU threshold of the detector's NMS.
            kpt_thr (float): Keypoints below this score are not drawn.
            draw_bbox (bool): Draw the person boxes.
            radius (int): Keypoint radius in pixels.
            thickness (int): Limb (and box) line width in pixels.
            black_background (bool): Draw on a black image, not the frame.
            bboxes_file (str, optional): Detection JSON file.
            bboxes_video (int, optional): With PoseTrack image ids of
                several videos in ``bboxes_file``, the video number to use.
            whole_frame (bool): Use the whole frame as the person box.
            out_json (str, optional): Write PoseTrack18-format predictions.
            smooth (str | dict, optional): Filter the keypoints of each
                track: ``'one_euro'``, ``'savgol'`` or ``'gaussian'``, or a
                dict with ``type`` and parameters (see
                :mod:`~.track_smoothing`); needs tracking. The centred
                filters delay the results by their half window and are
                refused online. The JSON's ``info.smoothing`` names it and
                its parameters.
            **kwargs: Refused: MMPose options that cannot mean the same on
                a video (:data:`~.mmpose_compat.UNSUPPORTED`), and unknown
                names.

        Returns:
            Generator: Per frame, in order, a dict with MMPose's keys
            ``predictions`` (a one-element list: the frame's list of
            instance dicts with ``keypoints``, ``keypoint_scores``,
            ``bbox``, ``bbox_score`` and ``track_id``, or its
            PoseDataSample, whose ``pred_instances`` has ``track_ids``
            (N, )) and ``visualization`` (None when nothing is drawn, else
            a list holding the rendered RGB frame if ``return_vis``, empty
            otherwise or for an undecodable frame), and ``frame_index``,
            ``frame_name``, ``readable`` (False for an undecodable frame).

        Raises:
            ValueError: If no or two box sources are given, a threshold,
                drawing option or ``batch_size`` is out of range, a keyword
                is refused (see ``kwargs``), or the boxes file is malformed
                or matches no frame of the input.
            PermissionError: If an output file cannot be written.
        """
        reject_keywords(kwargs)
        whole_frame = whole_frame or (self.whole_image and not bboxes_file)
        if self.detector is None and bboxes_file is None and not whole_frame:
            raise ValueError('no person boxes: give a detector (det_model), '
                             'a bboxes_file, or whole_frame=True')
        if whole_frame and bboxes_file:
            raise ValueError('give either bboxes_file or whole_frame=True, '
                             'not both')
        check_call_options(bbox_thr, nms_thr, kpt_thr, radius, thickness,
                           batch_size)
        smoothing = smoothing_config(smooth)
        if smoothing is not None and self.tracker_cfg is None:
            raise ValueError('smooth= filters the keypoints along each track: '
                             'it needs tracking, which is off (tracker=False, '
                             '--no-tracking)')
        smoother = TrackSmoother(smoothing, self.online) \
            if smoothing is not None else None
        if isinstance(inputs, np.ndarray):
            inputs = [inputs]
        reader = VideoFrameReader(inputs)
        bbox_source = None
        if bboxes_file and not whole_frame:
            bbox_source = BBoxFile(bboxes_file, bbox_thr, bboxes_video)
            names = reader.frame_names()
            if names:
                bbox_source.check_frames(names, reader.label)
        out_video, pred_file = output_paths(reader.name, out_dir, vis_out_dir,
                                            pred_out_dir)
        outputs = RunOutputs(reader.name, out_video, out_json, reader.fps,
                             pred_file, reader.path)
        if outputs.writer is not None and smoothing is not None:
            outputs.writer.info['smoothing'] = smoothing
        draw = dict(show=show, wait_time=wait_time, draw_bbox=draw_bbox,
                    kpt_thr=kpt_thr, radius=radius, thickness=thickness,
                    black_background=black_background)
        tracker = PersonTracker(self.tracker_cfg) \
            if self.tracker_cfg is not None else None
        file_tracks = None
        if bbox_source is not None and bbox_source.num_track_ids:
            if tracker is not None and bbox_source.has_track_ids:
                tracker = file_tracks = FileTracks()
            else:
                why = ('tracking is off (each person\'s track_id is its '
                       'index in its frame)' if tracker is None else
                       f'only {bbox_source.num_track_ids} of its '
                       f'{bbox_source.num_kept} boxes have one, so the '
                       'tracker links all boxes')
                warnings.warn(f'bboxes file {bboxes_file}: its track ids are '
                              f'not used: {why}')
        video_name, batch_size = reader.name, batch_size or self.batch_size

        def boxes_of(window: FrameWindow) -> np.ndarray:
            return self._boxes(window, bbox_source, whole_frame, bbox_thr,
                               nms_thr, file_tracks)

        def no_persons(window: FrameWindow) -> PoseDataSample:
            return empty_sample(window, video_name,
                                self.model.dataset_meta['num_keypoints'])

        def render(window: FrameWindow, pred: PoseDataSample,
                   ids: Optional[np.ndarray]) -> np.ndarray:
            return render_frame(self.visualizer, window.name,
                                window.frames[0], pred, draw, ids)

        if self.streaming:
            buffer, predict, path_counts = stream_parts(
                StreamingPredictor(self.model, self.pipeline,
                                   self.collate_fn, self.frame_offsets,
                                   batch_size), boxes_of, tracker,
                video_name, no_persons)
        else:
            buffer, predict, path_counts = clip_parts(
                lambda window, boxes: self.predict_window(
                    window, boxes, video_name, batch_size), boxes_of,
                tracker, self.frame_offsets,
                self.model.test_cfg.get('flip_test', False))

        def counts() -> dict:
            return dict(
                path_counts(),
                tracks=tracker.num_ids if tracker else 0,
                track_fallbacks=tracker.num_fallbacks if tracker else 0,
                boxes_outside=bbox_source.num_outside if bbox_source else 0)

        drawn = return_vis or show or out_video is not None
        return self._run(
            VideoRun(reader, buffer, predict, counts, outputs, no_persons,
                     render if drawn else None, tracker is not None,
                     return_vis, return_datasamples, self.streaming,
                     self.show_progress, smoother))

    def _boxes(self,
               window: FrameWindow,
               bbox_source: Optional[BBoxFile],
               whole_frame: bool,
               bbox_thr: Optional[float] = None,
               nms_thr: Optional[float] = None,
               file_tracks: Optional[FileTracks] = None) -> np.ndarray:
        """Person boxes (N, 5) of the key frame of ``window``: the whole
        frame if ``whole_frame`` (or no other source), else the file's
        boxes inside the frame (their track ids put in ``file_tracks``),
        else the detector's at the given thresholds."""
        height, width = window.frames[0].shape[:2]
        if not whole_frame and bbox_source is not None:
            return bbox_source(window.index, window.name, (width, height),
                               file_tracks)
        if not whole_frame and self.detector is not None:
            return self.detector(window.frames[0], bbox_thr, nms_thr)
        return np.array([[0, 0, width, height, 1]], dtype=np.float32)

    def _run(self, run: VideoRun) -> Generator:
        """Iterate ``run``; when it starts, :attr:`stats` becomes its stats
        and :attr:`feature_stream` its stream (None on the clip path)."""
        self.feature_stream = run.buffer if self.streaming else None
        self.stats = run.stats
        yield from run
