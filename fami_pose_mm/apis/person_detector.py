# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Person boxes from an MMDetection detector."""
import os.path as osp
from typing import Optional, Sequence, Union

import numpy as np
from mmengine.config import Config
from mmengine.registry import DefaultScope

from .checks import check_device, resolve_config_path


class PersonDetector:
    """Detect person boxes with an MMDetection model.

    Uses the stock ``mmdet.apis.init_detector`` / ``inference_detector``;
    keeps boxes whose label is in ``cat_ids`` (COCO person = 0) and whose
    score is above ``bbox_thr``, then applies NMS at ``nms_thr`` - the same
    filtering as MMPose's ``Pose2DInferencer``.

    Args:
        config (str | Config): MMDetection config file or object; also
            ``'mmdet::<path in mmdet configs>'`` or
            ``'mmpose::demo/mmdetection_cfg/<file>'``.
        checkpoint (str, optional): Detector weights (a path or URL). None
            keeps the random initialisation (tests only).
        device (str): Device, e.g. ``'cpu'`` or ``'cuda:0'``.
        cat_ids (int | Sequence[int]): Label ids counted as persons.
        bbox_thr (float): Default minimum box score (exclusive).
        nms_thr (float): Default IoU threshold of the NMS.

    Raises:
        FileNotFoundError: If the config or a local checkpoint is missing,
            or a checkpoint URL cannot be downloaded (the message names the
            URL and the cache path).
        ValueError: If a threshold is outside [0, 1] or the device is not
            available.
    """

    def __init__(self,
                 config: Union[str, Config],
                 checkpoint: Optional[str] = None,
                 device: str = 'cpu',
                 cat_ids: Union[int, Sequence[int]] = 0,
                 bbox_thr: float = 0.3,
                 nms_thr: float = 0.3) -> None:
        _check_thresholds(bbox_thr, nms_thr)
        check_device(device)
        if isinstance(config, str):
            config = resolve_config_path(config)
        if checkpoint is not None and '://' not in checkpoint \
                and not osp.isfile(checkpoint):
            raise FileNotFoundError(f'detector checkpoint {checkpoint} does '
                                    'not exist')
        from mmdet.apis import init_detector
        self.cat_ids = (cat_ids, ) if isinstance(cat_ids, int) else tuple(
            cat_ids)
        self.bbox_thr = bbox_thr
        self.nms_thr = nms_thr
        with DefaultScope.overwrite_default_scope('mmdet'):
            self.model = init_detector(config, checkpoint, device=device)

    def __call__(self,
                 frame: np.ndarray,
                 bbox_thr: Optional[float] = None,
                 nms_thr: Optional[float] = None) -> np.ndarray:
        """Detect persons in one frame.

        Args:
            frame (np.ndarray): BGR image (H, W, 3).
            bbox_thr (float, optional): Minimum box score (exclusive) of
                this call; None: the detector's ``bbox_thr``.
            nms_thr (float, optional): NMS IoU threshold of this call;
                None: the detector's ``nms_thr``.

        Returns:
            np.ndarray: Boxes (N, 5) as ``x1, y1, x2, y2, score`` in pixels,
            sorted by NMS order (highest score first).
        """
        from mmdet.apis import inference_detector
        from mmpose.evaluation.functional import nms
        bbox_thr = self.bbox_thr if bbox_thr is None else bbox_thr
        nms_thr = self.nms_thr if nms_thr is None else nms_thr
        _check_thresholds(bbox_thr, nms_thr)
        with DefaultScope.overwrite_default_scope('mmdet'):
            result = inference_detector(self.model, frame)
        pred = result.pred_instances.cpu().numpy()
        boxes = np.concatenate([pred.bboxes, pred.scores[:, None]], axis=1)
        keep = np.isin(pred.labels, self.cat_ids) & (pred.scores > bbox_thr)
        boxes = boxes[keep].astype(np.float32)
        if len(boxes) == 0:
            return np.zeros((0, 5), dtype=np.float32)
        return boxes[nms(boxes, nms_thr)]


def _check_thresholds(bbox_thr: float, nms_thr: float) -> None:
    for name, value in (('bbox_thr', bbox_thr), ('nms_thr', nms_thr)):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f'{name} must be in [0, 1], got {value}')
