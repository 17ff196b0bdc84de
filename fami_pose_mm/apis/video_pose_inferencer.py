# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Multi-frame top-down pose estimation on videos."""
import os.path as osp
import time
from typing import Dict, Generator, Optional, Sequence, Tuple, Union

import cv2
import mmcv
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
from mmpose.structures import PoseDataSample, merge_data_samples

from fami_pose_mm import utils as _checkpoint_loader  # noqa: F401
from ..utils.frame_offsets import check_frame_offsets, check_num_frames
from .bbox_file import BBoxFile
from .checks import check_writable_dir, state_dict_mismatch
from .frame_reader import FrameSourceType, VideoFrameReader
from .frame_window import FrameWindow, FrameWindowBuffer
from .person_detector import PersonDetector
from .posetrack_writer import PoseTrackJsonWriter


def _scalar_circle_radius(visualizer) -> None:
    """Let mmpose 1.3.2's OpenCV drawing run on numpy >= 2.4.

    ``PoseLocalVisualizer`` passes ``radius=np.array([r])`` to
    ``draw_circles``, whose OpenCV path calls ``int(radius)``; numpy 2.4
    refuses to convert a 1-element 1-D array to a scalar. Hand it a scalar.
    """
    if visualizer is None:
        return
    draw_circles = visualizer.draw_circles

    def patched(center, radius, *args, **kwargs):
        if isinstance(radius, np.ndarray) and radius.size == 1:
            radius = radius.item()
        return draw_circles(center, radius, *args, **kwargs)

    visualizer.draw_circles = patched


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
    MMPose top-down config works too (``frame_offsets=()``).

    Args:
        model (str | dict | Config): Pose config (path or object).
        weights (str, optional): Pose checkpoint; None = random weights.
        device (str, optional): ``'cpu'``, ``'cuda'``, ``'cuda:1'``... None
            picks CUDA when available.
        scope (str): Registry scope. Defaults to ``'mmpose'``.
        det_model (str | Config, optional): MMDetection config of the person
            detector. None: boxes come from a file or the whole frame.
        det_weights (str, optional): Detector checkpoint.
        det_cat_ids (int | Sequence[int]): Detector labels kept as persons
            (COCO person = 0).
        frame_offsets (Sequence[int], optional): Overrides the config's
            ``test_dataloader.dataset.frame_offsets``.
        online (bool): Live mode: only past frames, no output delay; fails
            if an offset is positive.
        batch_size (int): Persons per forward pass.
        show_progress (bool): Show a progress bar.

    Raises:
        FileNotFoundError: If a checkpoint path does not exist.
        ValueError: If the checkpoint does not match the config (mismatched
            keys listed), the offsets do not match the model's number of
            frames, or online mode meets a positive offset.
    """

    def __init__(self,
                 model: Union[ModelType, str],
                 weights: Optional[str] = None,
                 device: Optional[str] = None,
                 scope: str = 'mmpose',
                 det_model: Optional[Union[ModelType, str]] = None,
                 det_weights: Optional[str] = None,
                 det_cat_ids: Union[int, Sequence[int]] = 0,
                 frame_offsets: Optional[Sequence[int]] = None,
                 online: bool = False,
                 batch_size: int = 16,
                 show_progress: bool = False) -> None:
        if weights is not None and '://' not in weights \
                and not osp.isfile(weights):
            raise FileNotFoundError(f'pose checkpoint {weights} does not '
                                    'exist')
        if batch_size < 1:
            raise ValueError(f'batch_size must be >= 1, got {batch_size}')
        if device is None:
            device = 'cuda' if torch.cuda.is_available() else 'cpu'
        self._weights = weights
        self._offsets_override = frame_offsets
        self.batch_size = batch_size
        self.online = online
        super().__init__(model, weights, device, scope, det_model, det_weights,
                         det_cat_ids, show_progress)
        if not hasattr(self, 'detector'):
            self.detector = None
        _scalar_circle_radius(self.visualizer)
        num_frames = getattr(
            getattr(self.model, 'neck', None), 'num_frames', None)
        if num_frames is not None:
            check_num_frames(num_frames, self.frame_offsets)
        if online and any(d > 0 for d in self.frame_offsets):
            raise ValueError(
                'online mode uses past frames only, but frame_offsets '
                f'{self.frame_offsets} has positive offsets; use an online '
                'config (configs/inference/) or frame_offsets=(-2, -1)')

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
        """Build the mmdet person detector (or none)."""
        self.detector = None
        if det_model is not None:
            self.detector = PersonDetector(det_model, det_weights, device
                                           or 'cpu', det_cat_ids)

    def _make_inputs(self, window: FrameWindow, boxes: np.ndarray,
                     video_name: str) -> list:
        """Run the pipeline once per person box of the window."""
        height, width = window.frames[0].shape[:2]
        paths = [f'{video_name}/{name}' for name in window.names]
        data = []
        for i, box in enumerate(boxes):
            results = dict(
                img=list(window.frames)
                if self.frame_offsets else window.frames[0],
                img_path=paths[0],
                supporting_img_paths=paths[1:],
                frame_offsets=self.frame_offsets,
                id=i,
                img_id=window.index,
                category_id=1,
                ori_shape=(height, width),
                img_shape=(height, width),
                bbox=box[None, :4].astype(np.float32),
                bbox_score=box[4:5].astype(np.float32))
            results.update(self.model.dataset_meta)
            data.append(self.pipeline(results))
        return data

    def predict_window(self,
                       window: FrameWindow,
                       boxes: np.ndarray,
                       video_name: str = 'video') -> PoseDataSample:
        """Estimate the poses of the persons in one key frame.

        Args:
            window (FrameWindow): Key frame and its supporting frames.
            boxes (np.ndarray): (N, 5) ``x1, y1, x2, y2, score``; N may be 0.
            video_name (str): Prefix of ``img_path``.

        Returns:
            PoseDataSample: ``pred_instances`` with ``keypoints`` (N, K, 2)
            in frame pixels, ``keypoint_scores`` (N, K), ``bboxes`` (N, 4)
            and ``bbox_scores`` (N, ).
        """
        data = self._make_inputs(window, boxes, video_name)
        samples = []
        with torch.no_grad():
            for start in range(0, len(data), self.batch_size):
                batch = self.collate_fn(data[start:start + self.batch_size])
                samples.extend(self.model.test_step(batch))
        if samples:
            return merge_data_samples(samples)
        num_kpts = self.model.dataset_meta['num_keypoints']
        empty = PoseDataSample(
            metainfo=dict(
                img_path=f'{video_name}/{window.name}',
                img_id=window.index,
                ori_shape=window.frames[0].shape[:2]))
        empty.pred_instances = InstanceData(
            keypoints=np.zeros((0, num_kpts, 2), np.float32),
            keypoint_scores=np.zeros((0, num_kpts), np.float32),
            bboxes=np.zeros((0, 4), np.float32),
            bbox_scores=np.zeros((0, ), np.float32))
        return empty

    def _boxes(self, window: FrameWindow, bbox_source: Optional[BBoxFile],
               whole_frame: bool) -> np.ndarray:
        """Person boxes (N, 5) of the key frame of ``window``."""
        if bbox_source is not None:
            return bbox_source(window.index, window.name)
        if self.detector is not None:
            return self.detector(window.frames[0])
        height, width = window.frames[0].shape[:2]
        return np.array([[0, 0, width, height, 1]], dtype=np.float32)

    def __call__(self,
                 inputs: FrameSourceType,
                 bboxes_file: Optional[str] = None,
                 bboxes_video: Optional[int] = None,
                 whole_frame: bool = False,
                 bbox_thr: float = 0.3,
                 nms_thr: float = 0.3,
                 kpt_thr: float = 0.3,
                 out_video: Optional[str] = None,
                 out_json: Optional[str] = None,
                 show: bool = False,
                 wait_time: float = 0.001,
                 draw_bbox: bool = True,
                 radius: int = 3,
                 thickness: int = 1,
                 return_vis: bool = False,
                 return_datasamples: bool = False) -> Generator:
        """Run on a video, a folder of frames, a list of images or a webcam.

        Boxes come from ``bboxes_file`` (see :class:`BBoxFile`), else from
        the detector, else (``whole_frame=True``) the whole frame is one
        person box.

        Args:
            inputs (str | int | list): See :class:`VideoFrameReader`.
            bboxes_file (str, optional): Detection JSON file.
            bboxes_video (int, optional): With PoseTrack image ids of
                several videos in ``bboxes_file``, the video number to use.
            whole_frame (bool): Use the whole frame as the person box.
            bbox_thr (float): Minimum box score (detector and file).
            nms_thr (float): IoU threshold of the detector's NMS.
            kpt_thr (float): Keypoints below this score are not drawn.
            out_video (str, optional): Write the rendered frames here (mp4).
            out_json (str, optional): Write PoseTrack18-format predictions.
            show (bool): Show each rendered frame in a window.
            wait_time (float): Seconds each shown frame stays.
            draw_bbox (bool): Draw the person boxes.
            radius (int): Keypoint radius in pixels.
            thickness (int): Limb thickness in pixels.
            return_vis (bool): Put the rendered RGB frame in the results.
            return_datasamples (bool): Give :class:`PoseDataSample` instead
                of lists of instance dicts.

        Yields:
            dict: Per frame, in order: ``frame_index``, ``frame_name``,
            ``predictions`` (a one-element list: the frame's list of
            instance dicts with ``keypoints``, ``keypoint_scores``,
            ``bbox``, ``bbox_score``, or its PoseDataSample) and
            ``visualization`` (a list, empty unless ``return_vis``).
        """
        if self.detector is None and bboxes_file is None and not whole_frame:
            raise ValueError('no person boxes: give a detector (det_model), '
                             'a bboxes_file, or whole_frame=True')
        for path in (out_video, out_json):
            if path:
                check_writable_dir(osp.dirname(osp.abspath(path)))
        bbox_source = BBoxFile(bboxes_file, bbox_thr,
                               bboxes_video) if bboxes_file else None
        if self.detector is not None:
            self.detector.bbox_thr, self.detector.nms_thr = bbox_thr, nms_thr
        reader = VideoFrameReader(inputs)
        buffer = FrameWindowBuffer(self.frame_offsets)
        writer = PoseTrackJsonWriter(reader.name) if out_json else None
        video = None
        draw = return_vis or show or out_video is not None
        progress = ProgressBar(len(reader)) if self.show_progress else None
        self.stats = dict(frames=0, persons=0, reads=0, seconds=0.0)
        start = time.perf_counter()

        def process(window: FrameWindow) -> Dict:
            nonlocal video
            boxes = self._boxes(window, bbox_source, whole_frame)
            pred = self.predict_window(window, boxes, reader.name)
            inst = pred.pred_instances
            if writer is not None:
                writer.add_frame(window.index, window.name, inst.keypoints,
                                 inst.keypoint_scores, inst.bboxes,
                                 inst.bbox_scores)
            vis = []
            if draw:
                image = self.visualizer.add_datasample(
                    window.name,
                    mmcv.bgr2rgb(window.frames[0]),
                    pred,
                    draw_gt=False,
                    draw_bbox=draw_bbox and len(inst) > 0,
                    show=show,
                    wait_time=wait_time,
                    kpt_thr=kpt_thr)
                vis = [image] if return_vis else []
                if out_video is not None:
                    if video is None:
                        video = cv2.VideoWriter(
                            out_video, cv2.VideoWriter_fourcc(*'mp4v'),
                            reader.fps, (image.shape[1], image.shape[0]))
                        if not video.isOpened():
                            raise PermissionError(
                                f'cannot write video {out_video}')
                    video.write(mmcv.rgb2bgr(image))
            self.stats['frames'] += 1
            self.stats['persons'] += len(inst)
            if progress is not None:
                progress.update()
            result = self.postprocess([pred],
                                      vis,
                                      return_datasamples=return_datasamples)
            return dict(
                frame_index=window.index,
                frame_name=window.name,
                predictions=result['predictions'],
                visualization=result['visualization'])

        try:
            for name, frame in reader:
                for window in buffer.push(name, frame):
                    yield process(window)
            for window in buffer.flush():
                yield process(window)
        finally:
            if video is not None:
                video.release()
        if writer is not None:
            writer.dump(out_json)
        self.stats['reads'] = reader.num_reads
        self.stats['seconds'] = time.perf_counter() - start
