# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Multi-frame top-down pose estimation on videos."""
import os.path as osp
import time
import warnings
from functools import partial
from typing import (Callable, Dict, Generator, Iterator, Optional, Sequence,
                    Tuple, Union)

import numpy as np
import torch
from mmengine.config import ConfigDict
from mmengine.dataset import Compose
from mmengine.infer.infer import ModelType
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData
from mmengine.utils import ProgressBar
from mmpose.apis.inferencers import Pose2DInferencer
from mmpose.registry import INFERENCERS
from mmpose.structures import (PoseDataSample, merge_data_samples,
                               split_instances)

from fami_pose_mm import utils as _checkpoint_loader  # noqa: F401
from ..deployment.backend import check_backend
from ..utils.frame_offsets import check_frame_offsets, check_num_frames
from .bbox_file import BBoxFile
from .checks import check_device, resolve_config_path, state_dict_mismatch
from .feature_stream import FeatureStream
from .frame_drawing import render_frame, scalar_circle_radius
from .frame_reader import FrameSourceType, VideoFrameReader
from .frame_window import FrameWindow, FrameWindowBuffer
from .mmpose_compat import (WHOLE_IMAGE, check_call_options, output_paths,
                            pose2d_alias, reject_keywords)
from .person_detector import PersonDetector
from .person_tracker import PersonTracker, resolve_tracker_cfg
from .run_outputs import RunOutputs
from .stream_predictor import StreamingPredictor, person_results
from .streaming import check_streaming, stream_parts

#: ``predict(window) -> (PoseDataSample, track ids (N, ))`` of a run.
Predict = Callable[[FrameWindow], Tuple[PoseDataSample, np.ndarray]]


@INFERENCERS.register_module(name='video-pose-estimation')
@INFERENCERS.register_module()
class VideoPoseInferencer(Pose2DInferencer):
    """Top-down pose estimation on a video with a multi-frame model.

    Frames are read once, in order, into a :class:`FrameWindowBuffer`; for
    every person box of key frame ``t`` the frames ``t + frame_offsets`` are
    cropped with that box by the config's test pipeline (its loading steps
    are dropped, the decoded frames are given as ``img``), persons are
    batched, and one merged :class:`PoseDataSample` comes back per frame.
    Output is delayed by the largest positive offset. A single-frame
    MMPose top-down config works too (``frame_offsets=()``). The boxes of
    consecutive key frames are linked into tracks by a
    :class:`PersonTracker` (MMDetection's ``ByteTracker``): every person
    gets a ``track_id``.

    Streaming (``crop_mode='own'`` models, the default for them): boxes and
    tracks are made as each frame is read, every person of the frame is
    cropped with its own box and goes through the backbone once
    (:class:`~.stream_predictor.StreamingPredictor`), and each key frame's
    clips are assembled per track from the cached features
    (:class:`~.feature_stream.FeatureStream`, which also states the rule
    for a person missing from a supporting frame).

    Constructed and called as MMPose's ``MMPoseInferencer`` /
    ``Pose2DInferencer`` (docs/inference.md, section MMPose inferencer
    API); the boxes file, online mode, tracking and the PoseTrack JSON are
    additional keywords.

    Args:
        model (str | dict | Config): Pose config: a path, a
            ``'<package>::<path>'`` of an installed package's configs, or
            an object. ``pose2d`` is its ``MMPoseInferencer`` name.
        weights (str, optional): Pose checkpoint (a path or an http(s)
            URL); None = random weights.
        device (str, optional): ``'cpu'``, ``'cuda'``, ``'cuda:1'``... None
            picks CUDA when available.
        scope (str): Registry scope. Defaults to ``'mmpose'``.
        det_model (str | Config, optional): MMDetection config of the person
            detector. None: boxes come from a file or the whole frame;
            ``'whole_image'`` (as in MMPose): the whole frame unless a call
            gives a ``bboxes_file``.
        det_weights (str, optional): Detector checkpoint.
        det_cat_ids (int | Sequence[int]): Detector labels kept as persons
            (COCO person = 0).
        frame_offsets (Sequence[int], optional): Overrides the config's
            ``test_dataloader.dataset.frame_offsets``.
        online (bool): Live mode: only past frames, no output delay; fails
            if an offset is positive.
        batch_size (int): Persons per forward pass.
        show_progress (bool): Show a progress bar.
        tracker (None | bool | dict): Tracker config (mmdet, e.g.
            ``dict(type='ByteTracker', ...)``). None (or True): the pose
            config's ``tracker``, else
            :data:`~fami_pose_mm.apis.person_tracker.DEFAULT_TRACKER`; a
            dict replaces the config's; False: no tracking, a person's
            ``track_id`` is its index within its frame.
        streaming (bool, optional): None: stream exactly the
            ``crop_mode='own'`` models. True needs such a model and
            tracking; False refuses one (the clip path would crop every
            frame with the key frame's box).
        pose2d (str | dict | Config, optional): ``MMPoseInferencer``'s name
            of ``model``.
        pose2d_weights (str, optional): ``MMPoseInferencer``'s name of
            ``weights``.
        backend (str): ``'pytorch'`` (default) or ``'onnxruntime'``: run
            the graphs of an ONNX export (``weights`` is then its folder,
            written by ``tools/deployment/export_onnx.py``) on ONNX
            Runtime, see :class:`~fami_pose_mm.deployment.OnnxPoseModel`.

    Raises:
        FileNotFoundError: If a config or checkpoint path does not exist, or
            a checkpoint URL cannot be downloaded (the message names the URL
            and the cache path).
        ValueError: If the device is not available on this machine, the
            checkpoint does not match the config (mismatched keys listed),
            the offsets do not match the model's number of frames,
            online mode meets a positive offset, the tracker config
            cannot be built, ``streaming`` does not fit the model (see
            above), a model is given under both names (or none), or
            ``backend`` is unknown or its export does not fit the config.
        ImportError: If the tracker needs ``lap`` and it is missing, or
            ``backend='onnxruntime'`` meets no ``onnxruntime``.
    """

    def __init__(self,
                 model: Union[ModelType, str, None] = None,
                 weights: Optional[str] = None,
                 device: Optional[str] = None,
                 scope: str = 'mmpose',
                 det_model: Optional[Union[ModelType, str]] = None,
                 det_weights: Optional[str] = None,
                 det_cat_ids: Union[int, Sequence[int]] = 0,
                 frame_offsets: Optional[Sequence[int]] = None,
                 online: bool = False,
                 batch_size: int = 16,
                 show_progress: bool = False,
                 tracker: Union[None, bool, dict] = None,
                 streaming: Optional[bool] = None,
                 pose2d: Union[ModelType, str, None] = None,
                 pose2d_weights: Optional[str] = None,
                 backend: str = 'pytorch') -> None:
        model, weights = pose2d_alias(model, weights, pose2d, pose2d_weights)
        self.backend = check_backend(backend, weights)
        if isinstance(model, str) and (model.endswith('.py')
                                       or '::' in model):
            model = resolve_config_path(model)
        if backend == 'pytorch' and weights is not None \
                and '://' not in weights and not osp.isfile(weights):
            raise FileNotFoundError(f'pose checkpoint {weights} does not '
                                    'exist')
        if batch_size < 1:
            raise ValueError(f'batch_size must be >= 1, got {batch_size}')
        if device is None:
            device = 'cuda' if torch.cuda.is_available() else 'cpu'
        check_device(device)
        self._weights = weights
        self._offsets_override = frame_offsets
        self.batch_size = batch_size
        self.online = online
        self.whole_image = False
        super().__init__(model, weights, device, scope, det_model, det_weights,
                         det_cat_ids, show_progress)
        if not hasattr(self, 'detector'):
            self.detector = None
        self.tracker_cfg = resolve_tracker_cfg(tracker,
                                               self.cfg.get('tracker', None))
        if self.tracker_cfg is not None:
            PersonTracker(self.tracker_cfg)  # a bad config fails here
        scalar_circle_radius(self.visualizer)
        num_frames = getattr(
            getattr(self.model, 'neck', None), 'num_frames', None)
        if num_frames is not None:
            check_num_frames(num_frames, self.frame_offsets)
        if online and any(d > 0 for d in self.frame_offsets):
            raise ValueError(
                'online mode uses past frames only, but frame_offsets '
                f'{self.frame_offsets} has positive offsets; use an online '
                'config (configs/inference/) or frame_offsets=(-2, -1)')
        self.streaming = check_streaming(streaming, self.model,
                                         self.tracker_cfg is not None)
        if self.streaming:  # refuses a pipeline it cannot stream, now
            StreamingPredictor(self.model, self.pipeline, self.collate_fn,
                               self.frame_offsets, batch_size)
        self.feature_stream: Optional[FeatureStream] = None

    def _init_model(self, cfg: ConfigDict, weights: Optional[str],
                    device: str = 'cpu'):
        """The PyTorch model, or the ONNX Runtime one of the export in
        ``weights`` (``backend='onnxruntime'``)."""
        if self.backend == 'onnxruntime':
            from ..deployment import OnnxPoseModel
            return OnnxPoseModel(weights, cfg, device)
        return super()._init_model(cfg, weights, device)

    def _load_weights_to_model(self, model, checkpoint, cfg) -> None:
        """Check that the checkpoint fits the model, then load it."""
        if checkpoint is not None:
            state = checkpoint.get('state_dict', checkpoint)
            report = state_dict_mismatch(model, state)
            if report:
                raise ValueError(f'pose checkpoint {self._weights} does not '
                                 f'match the config:\n{report}')
        super()._load_weights_to_model(model, checkpoint, cfg)

    def _init_pipeline(self, cfg: ConfigDict) -> Compose:
        """The test pipeline without its loading steps; sets offsets."""
        cfg.setdefault('data_mode', 'topdown')
        dataset_cfg = cfg.test_dataloader.dataset
        offsets = self._offsets_override
        if offsets is None:
            offsets = dataset_cfg.get('frame_offsets', None)
        steps = []
        for step in dataset_cfg.pipeline:
            if step['type'].split('.')[-1].startswith('Load'):
                if offsets is None:
                    offsets = step.get('frame_offsets', None)
                continue
            steps.append(step)
        self.frame_offsets: Tuple[int, ...] = check_frame_offsets(
            offsets or ())
        init_default_scope(cfg.get('default_scope', 'mmpose'))
        return Compose(steps)

    def _init_visualizer(self, cfg: ConfigDict):
        """The config's visualizer, or a default ``PoseLocalVisualizer``."""
        cfg.setdefault('visualizer', dict(type='PoseLocalVisualizer'))
        return super()._init_visualizer(cfg)

    def _init_detector(self,
                       det_model=None,
                       det_weights=None,
                       det_cat_ids=0,
                       device=None) -> None:
        """Build the mmdet person detector (or none, or ``'whole_image'``)."""
        self.detector = None
        self.whole_image = isinstance(det_model, str) and \
            det_model in WHOLE_IMAGE
        if det_model is not None and not self.whole_image:
            self.detector = PersonDetector(det_model, det_weights, device
                                           or 'cpu', det_cat_ids)

    def _make_inputs(self, window: FrameWindow, boxes: np.ndarray,
                     video_name: str) -> list:
        """Run the pipeline once per person box of the window."""
        paths = [f'{video_name}/{name}' for name in window.names]
        img = list(window.frames) if self.frame_offsets else window.frames[0]
        return [
            self.pipeline(
                person_results(img, paths[0], window.index, i, box,
                               self.model.dataset_meta,
                               supporting_img_paths=paths[1:],
                               frame_offsets=self.frame_offsets))
            for i, box in enumerate(boxes)
        ]

    def predict_window(self,
                       window: FrameWindow,
                       boxes: np.ndarray,
                       video_name: str = 'video',
                       batch_size: Optional[int] = None) -> PoseDataSample:
        """Estimate the poses of the persons in one key frame.

        Args:
            window (FrameWindow): Key frame and its supporting frames.
            boxes (np.ndarray): (N, 5) ``x1, y1, x2, y2, score``; N may be 0.
            video_name (str): Prefix of ``img_path``.
            batch_size (int, optional): Persons per forward pass; None: the
                constructor's.

        Returns:
            PoseDataSample: ``pred_instances`` with ``keypoints`` (N, K, 2)
            in frame pixels, ``keypoint_scores`` (N, K), ``bboxes`` (N, 4)
            and ``bbox_scores`` (N, ).
        """
        data = self._make_inputs(window, boxes, video_name)
        size = batch_size or self.batch_size
        samples = []
        with torch.no_grad():
            for start in range(0, len(data), size):
                batch = self.collate_fn(data[start:start + size])
                samples.extend(self.model.test_step(batch))
        if samples:
            return merge_data_samples(samples)
        return self._empty_sample(window, video_name)

    def _empty_sample(self, window: FrameWindow,
                      video_name: str) -> PoseDataSample:
        """A sample without persons (no box, or an undecodable frame)."""
        num_kpts = self.model.dataset_meta['num_keypoints']
        metainfo = dict(img_path=f'{video_name}/{window.name}',
                        img_id=window.index)
        if window.readable:
            metainfo['ori_shape'] = window.frames[0].shape[:2]
        empty = PoseDataSample(metainfo=metainfo)
        empty.pred_instances = InstanceData(
            keypoints=np.zeros((0, num_kpts, 2), np.float32),
            keypoint_scores=np.zeros((0, num_kpts), np.float32),
            bboxes=np.zeros((0, 4), np.float32),
            bbox_scores=np.zeros((0, ), np.float32))
        return empty

    def _boxes(self,
               window: FrameWindow,
               bbox_source: Optional[BBoxFile],
               whole_frame: bool,
               bbox_thr: Optional[float] = None,
               nms_thr: Optional[float] = None) -> np.ndarray:
        """Person boxes (N, 5) of the key frame of ``window``: the whole
        frame if ``whole_frame`` (or no other source), else the file's
        boxes inside the frame, else the detector's at the given
        thresholds."""
        height, width = window.frames[0].shape[:2]
        if not whole_frame and bbox_source is not None:
            return bbox_source(window.index, window.name, (width, height))
        if not whole_frame and self.detector is not None:
            return self.detector(window.frames[0], bbox_thr, nms_thr)
        return np.array([[0, 0, width, height, 1]], dtype=np.float32)

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
                             pred_file)
        draw = dict(
            enabled=return_vis or show or out_video is not None,
            show=show, wait_time=wait_time, draw_bbox=draw_bbox,
            kpt_thr=kpt_thr, radius=radius, thickness=thickness,
            black_background=black_background)

        tracker = PersonTracker(self.tracker_cfg) \
            if self.tracker_cfg is not None else None

        def boxes_of(window: FrameWindow) -> np.ndarray:
            return self._boxes(window, bbox_source, whole_frame, bbox_thr,
                               nms_thr)

        parts = self._stream_parts if self.streaming else self._clip_parts
        buffer, predict, counts = parts(boxes_of, tracker, reader.name,
                                        batch_size or self.batch_size)
        process = partial(self._process, predict=predict,
                          tracked=tracker is not None, outputs=outputs,
                          draw=draw, return_vis=return_vis,
                          return_datasamples=return_datasamples,
                          video_name=reader.name)
        return self._run(reader, buffer, process, counts, outputs,
                         bbox_source, tracker)

    def _clip_parts(self, boxes_of: Callable[[FrameWindow], np.ndarray],
                    tracker: Optional[PersonTracker], video_name: str,
                    batch_size: int) -> Tuple:
        """Window buffer, ``predict`` and counts of the clip path: boxes
        and tracks per key frame, each frame of a clip cropped with the
        key frame's box."""
        counts = dict(backbone_crops=0, person_frames=0)
        crops_per_box = (1 + len(self.frame_offsets)) * (
            2 if self.model.test_cfg.get('flip_test', False) else 1)

        def predict(window: FrameWindow) -> Tuple:
            boxes = boxes_of(window)
            pred = self.predict_window(window, boxes, video_name,
                                       batch_size)
            ids = tracker(boxes, window.index) if tracker is not None \
                else np.arange(len(boxes), dtype=np.int64)
            counts['person_frames'] += len(boxes)
            counts['backbone_crops'] += len(boxes) * crops_per_box
            return pred, ids

        return FrameWindowBuffer(self.frame_offsets), predict, lambda: counts

    def _stream_parts(self, boxes_of: Callable[[FrameWindow], np.ndarray],
                      tracker: PersonTracker, video_name: str,
                      batch_size: int) -> Tuple:
        """Feature stream, ``predict`` and counts of streaming."""
        predictor = StreamingPredictor(self.model, self.pipeline,
                                       self.collate_fn, self.frame_offsets,
                                       batch_size)
        return stream_parts(
            predictor, boxes_of, tracker, video_name,
            partial(self._empty_sample, video_name=video_name))

    def _run(self, reader: VideoFrameReader,
             buffer: Union[FrameWindowBuffer, FeatureStream],
             process: Callable[[FrameWindow], Dict],
             counts: Callable[[], Dict], outputs: RunOutputs,
             bbox_source: Optional[BBoxFile],
             tracker: Optional[PersonTracker]) -> Generator:
        """Read, process and write frame by frame; see :meth:`__call__`."""
        progress = ProgressBar(len(reader)) if self.show_progress else None
        self.feature_stream = buffer if self.streaming else None
        self.stats = dict(frames=0, persons=0, reads=0, unreadable=0,
                          boxes_outside=0, resized=0, tracks=0,
                          track_fallbacks=0, streaming=self.streaming,
                          backbone_crops=0, person_frames=0,
                          support_substituted=0, support_from_key=0,
                          cache_peak_frames=0, seconds=0.0, partial=False)
        start = time.perf_counter()
        at = [0]  # the frame being read, buffered or processed

        def windows() -> Iterator[FrameWindow]:
            for pushed, (name, frame) in enumerate(reader):
                at[0] = pushed
                yield from buffer.push(name, frame)
                at[0] = pushed + 1
            yield from buffer.flush()

        try:
            for window in windows():
                at[0] = window.index
                yield process(window)
                if progress is not None:
                    progress.update()
        except GeneratorExit:
            self.stats['partial'] = True
            outputs.close(at[0] + 1, 'stopped by the caller after frame '
                          f'{at[0]}')
            raise
        except BaseException as err:
            self.stats['partial'] = True
            try:
                written = outputs.close(at[0], f'{type(err).__name__}: {err}')
            except Exception as close_err:  # keep the first error
                written = f'none ({close_err})'
            err.add_note(f'The run on {reader.label} stopped at frame '
                         f'{at[0]}; output written: {written or "none"}')
            raise
        else:
            outputs.close()
        finally:
            self.stats.update(counts())
            self._finish_stats(reader, outputs, bbox_source, tracker, start)

    def _process(self, window: FrameWindow, predict: Predict, tracked: bool,
                 outputs: RunOutputs, draw: dict, return_vis: bool,
                 return_datasamples: bool, video_name: str) -> Dict:
        """Predict, write and draw one key frame; its result dict.
        ``predict`` gives the frame's sample and track ids; ``tracked``:
        whether the ids are tracks (drawn) or indices within the frame."""
        vis = [] if draw['enabled'] else None  # MMPose: None if not drawn
        if not window.readable:
            pred = self._empty_sample(window, video_name)
            pred.pred_instances.track_ids = np.zeros(0, np.int64)
            people = []
            outputs.add_unreadable(window.index, window.name,
                                   self.model.dataset_meta['num_keypoints'])
        else:
            pred, ids = predict(window)
            pred.pred_instances.track_ids = ids
            people = split_instances(pred.pred_instances)
            for person, track_id in zip(people, ids):
                person['track_id'] = int(track_id)
            image = None
            if draw['enabled']:
                image = render_frame(self.visualizer, window.name,
                                     window.frames[0], pred, draw,
                                     ids if tracked else None)
                if return_vis:
                    vis.append(image)
            outputs.add(window.index, window.name, pred.pred_instances,
                        image, people)
        self.stats['frames'] += 1
        self.stats['persons'] += len(pred.pred_instances)
        return dict(
            frame_index=window.index,
            frame_name=window.name,
            readable=window.readable,
            predictions=[pred if return_datasamples else people],
            visualization=vis)

    def _finish_stats(self, reader: VideoFrameReader, outputs: RunOutputs,
                      bbox_source: Optional[BBoxFile],
                      tracker: Optional[PersonTracker],
                      start: float) -> None:
        """Fill ``stats``; one warning with the counts of the fallbacks."""
        self.stats.update(
            reads=reader.num_reads,
            tracks=tracker.num_ids if tracker else 0,
            track_fallbacks=tracker.num_fallbacks if tracker else 0,
            unreadable=len(reader.unreadable),
            boxes_outside=bbox_source.num_outside if bbox_source else 0,
            resized=outputs.resized,
            seconds=time.perf_counter() - start)
        counts = [(self.stats['unreadable'], 'undecodable frames skipped '
                   '(empty entries)'),
                  (self.stats['boxes_outside'], 'boxes outside their frame '
                   'dropped'),
                  (self.stats['resized'], 'output frames letterboxed to the '
                   'first frame\'s size')]
        done = [f'{n} {what}' for n, what in counts if n]
        if done:
            warnings.warn(f'run on {reader.label}: {"; ".join(done)}')
