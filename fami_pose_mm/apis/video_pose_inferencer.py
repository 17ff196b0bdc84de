# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Multi-frame top-down pose estimation on videos."""
import os.path as osp
from typing import Generator, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.config import ConfigDict
from mmengine.dataset import Compose
from mmengine.infer.infer import ModelType
from mmpose.apis.inferencers import Pose2DInferencer
from mmpose.registry import INFERENCERS
from mmpose.structures import PoseDataSample, merge_data_samples

from ..datasets.video_reader import FrameSourceType
from ..deployment.backend import check_backend
from ..utils import checkpoint as _checkpoint_loader  # noqa: F401
from ..utils.crop_modes import crop_mode_of
from .checks import check_device, resolve_config_path
from .clip_path import clip_inputs, empty_sample, predict_batches
from .feature_stream import FeatureStream
from .frame_drawing import scalar_circle_radius
from .frame_window import FrameWindow
from .mmpose_compat import WHOLE_IMAGE, pose2d_alias, reject_keywords
from .model_setup import (check_checkpoint, check_model_frames,
                          complete_single_frame_checkpoint, inference_pipeline,
                          single_frame_dataset_meta)
from .person_detector import PersonDetector
from .person_tracker import PersonTracker, resolve_tracker_cfg
from .stream_predictor import StreamingPredictor
from .streaming import check_streaming
from .video_call import CallOptions, RunSetup, start_run
from .video_run import VideoRun


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
    additional keywords. The constructor checks its options and builds
    every part once (model, window, tracker, streaming predictor); a call
    (:meth:`__call__`) checks its options (:class:`~.video_call.
    CallOptions`), hands the parts down (:class:`~.video_call.RunSetup`)
    and gets back the frame loop of :class:`~.video_run.VideoRun`
    (:func:`~.video_call.start_run`); the clip path is :mod:`.clip_path`,
    streaming :mod:`.streaming`, the model's set-up checks
    :mod:`.model_setup`.

    Args:
        model (str | dict | Config): Pose config: a path, a
            ``'<package>::<path>'`` of an installed package's configs, or
            an object. ``pose2d`` is its ``MMPoseInferencer`` name.
        weights (str, optional): Pose checkpoint (a path or an http(s)
            URL): the video model's, or the single-frame checkpoint its
            drop-in config was made from (the video model then gives that
            model's poses); None = random weights.
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
            checkpoint does not match the config (mismatched keys listed;
            a single-frame checkpoint, without ``neck.*`` and
            ``mi_predictor.*``, fits a video config whose neck starts
            closed: the model is then the single-frame model),
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
        tracker_cfg = resolve_tracker_cfg(tracker,
                                          self.cfg.get('tracker', None))
        self.tracker: Optional[PersonTracker] = None if tracker_cfg is None \
            else PersonTracker(tracker_cfg)
        scalar_circle_radius(self.visualizer)
        check_model_frames(self.model, self.window, online)
        self.streaming = check_streaming(streaming, crop_mode_of(self.model),
                                         self.tracker is not None,
                                         type(self.model).__name__)
        self.stream_predictor: Optional[StreamingPredictor] = None
        if self.streaming:
            self.stream_predictor = StreamingPredictor(
                self.model, self.pipeline, self.collate_fn, self.window)
        self.feature_stream: Optional[FeatureStream] = None
        self.stats: dict = {}

    def _init_model(self, cfg: ConfigDict, weights: Optional[str],
                    device: str = 'cpu'):
        """The PyTorch model, or the ONNX Runtime one of the export in
        ``weights`` (``backend='onnxruntime'``)."""
        if self.backend == 'onnxruntime':
            from ..deployment import OnnxPoseModel
            return OnnxPoseModel(weights, cfg, device)
        return super()._init_model(cfg, weights, device)

    def _load_weights_to_model(self, model, checkpoint, cfg) -> None:
        """Check that the checkpoint fits the model, then load it.

        A single-frame checkpoint (no ``neck.*``) is completed for a video
        model whose neck starts closed
        (:func:`~.model_setup.complete_single_frame_checkpoint`): the model
        is then the single-frame model, with its keypoints: the
        checkpoint's ``meta['dataset_meta']``, else the drop-in config's
        ``single_frame_dataset``, else (as MMPose) the config's data.
        """
        single = checkpoint is not None and complete_single_frame_checkpoint(
            model, checkpoint, self._weights)
        check_checkpoint(model, checkpoint, self._weights)
        super()._load_weights_to_model(model, checkpoint, cfg)
        if single and 'dataset_meta' not in checkpoint.get('meta', {}):
            meta = single_frame_dataset_meta(cfg)
            if meta is not None:
                model.dataset_meta = meta

    def _init_pipeline(self, cfg: ConfigDict) -> Compose:
        """The test pipeline without its loading steps; sets :attr:`window`
        and :attr:`frame_offsets` (its offsets; see
        :func:`~.model_setup.inference_pipeline`)."""
        pipeline, self.window = inference_pipeline(cfg,
                                                   self._offsets_override)
        self.frame_offsets = self.window.offsets
        return pipeline

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

        :attr:`stats` (of the last run started) also counts ``backbone_crops``
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
        options = CallOptions(
            return_datasamples=return_datasamples, batch_size=batch_size,
            out_dir=out_dir, vis_out_dir=vis_out_dir,
            pred_out_dir=pred_out_dir, show=show, wait_time=wait_time,
            return_vis=return_vis, bbox_thr=bbox_thr, nms_thr=nms_thr,
            kpt_thr=kpt_thr, draw_bbox=draw_bbox, radius=radius,
            thickness=thickness, black_background=black_background,
            bboxes_file=bboxes_file, bboxes_video=bboxes_video,
            whole_frame=whole_frame, out_json=out_json, smooth=smooth)
        setup = RunSetup(
            model=self.model, visualizer=self.visualizer, window=self.window,
            batch_size=self.batch_size, detector=self.detector,
            whole_image=self.whole_image, tracker=self.tracker,
            stream_predictor=self.stream_predictor,
            predict_window=self.predict_window, online=self.online,
            show_progress=self.show_progress)
        return self._iterate(start_run(inputs, options, setup))

    def _iterate(self, run: VideoRun) -> Generator:
        """Iterate ``run``; when it starts, :attr:`stats` becomes its stats
        and :attr:`feature_stream` its stream (None on the clip path)."""
        self.feature_stream = run.buffer if self.streaming else None
        self.stats = run.stats
        yield from run

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
        data = clip_inputs(self.pipeline, window, boxes, video_name,
                           self.frame_offsets, self.model.dataset_meta)
        samples = predict_batches(self.model, self.collate_fn, data,
                                  batch_size or self.batch_size)
        if samples:
            return merge_data_samples(samples)
        return empty_sample(window, video_name,
                            self.model.dataset_meta['num_keypoints'])
