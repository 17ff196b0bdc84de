# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Adapt a video model on unlabelled video, its single-frame model the
teacher."""
from typing import Dict, Union

import torch
from mmengine.structures import InstanceData, PixelData
from torch import Tensor

from mmpose.registry import MODELS
from mmpose.utils.typing import ForwardResults, OptSampleList, SampleList

from .video_topdown import VideoTopdownPoseEstimator


@MODELS.register_module()
class VideoTeacherStudentEstimator(VideoTopdownPoseEstimator):
    """:class:`VideoTopdownPoseEstimator` trained without labels.

    The teacher is the frozen single-frame model the video model was built
    from: the frozen per-frame part (:meth:`frame_features`, the backbone)
    and the frozen ``mi_predictor`` (a copy of the single-frame head, as
    the drop-in and main-job configs load it). It sees the CLEAN key crop;
    the student, the video model, sees the clip whose key frame
    :class:`~fami_pose_mm.datasets.transforms.DegradeKeyFrame` degraded,
    and learns to give the teacher's heatmaps from it: the heatmap,
    auxiliary and MI losses of :class:`VideoTopdownPoseEstimator` with the
    teacher's heatmaps as targets, each joint weighted by the teacher's
    confidence (its heatmap maximum, clipped to [0, 1]; 0 below
    ``min_teacher_score``). Everything but training (prediction, tensor
    mode, streaming, export) is :class:`VideoTopdownPoseEstimator`'s.

    Training input layout: ``inputs`` (B, T + 1, 3, H, W): the clip of T
    = ``neck.num_frames`` frames, key (degraded) first, then the clean key
    crop, last (what ``DegradeKeyFrame`` packs).

    Args:
        min_teacher_score (float): Joints the teacher scores below do not
            count. Defaults to 0.2.
        **kwargs: As :class:`VideoTopdownPoseEstimator`; ``mi_predictor``
            (the single-frame head) and ``freeze_backbone=True`` are
            required.
    """

    def __init__(self, min_teacher_score: float = 0.2, **kwargs) -> None:
        if kwargs.get('mi_predictor') is None:
            raise ValueError(
                'VideoTeacherStudentEstimator needs mi_predictor: the frozen '
                'single-frame head is the teacher\'s head')
        if not kwargs.get('freeze_backbone', False):
            raise ValueError(
                'VideoTeacherStudentEstimator needs freeze_backbone=True: '
                'the frozen backbone is the teacher\'s')
        if not 0 <= min_teacher_score < 1:
            raise ValueError(f'min_teacher_score must be in [0, 1), got '
                             f'{min_teacher_score!r}')
        super().__init__(**kwargs)
        self.min_teacher_score = min_teacher_score

    def forward(self,
                inputs: Union[Tensor, Dict],
                data_samples: OptSampleList = None,
                mode: str = 'tensor') -> ForwardResults:
        """As :meth:`VideoTopdownPoseEstimator.forward`; ``'loss'`` takes
        the clip plus the clean key crop (T + 1 frames)."""
        if mode == 'loss':
            if isinstance(inputs, list):
                inputs = torch.stack(inputs)
            return self.loss(inputs, data_samples)
        return super().forward(inputs, data_samples, mode)

    @torch.no_grad()
    def teacher_heatmaps(self, crops: Tensor) -> Tensor:
        """The single-frame model's heatmaps.

        Args:
            crops (Tensor): (B, 3, H, W) clean key crops, normalised.

        Returns:
            Tensor: (B, K, h, w).
        """
        return self.mi_predictor.forward((self.frame_features(crops), ))

    def loss(self, inputs: Tensor, data_samples: SampleList) -> dict:
        """Losses against the teacher's heatmaps.

        Args:
            inputs (Tensor): (B, T + 1, 3, H, W): the clip, key first, then
                the clean key crop.
            data_samples (list[PoseDataSample]): Their targets are set
                here (``gt_fields.heatmaps``,
                ``gt_instance_labels.keypoint_weights``).

        Returns:
            dict: As :meth:`VideoTopdownPoseEstimator.loss`, plus
            ``teacher_score`` (mean teacher confidence of the batch).
        """
        num_frames = self.neck.num_frames
        if inputs.dim() != 5 or inputs.shape[1] != num_frames + 1:
            raise ValueError(
                f'{type(self).__name__} trains on (B, T + 1, 3, H, W) = '
                f'(B, {num_frames + 1}, 3, H, W): the clip and the clean key '
                'crop (put DegradeKeyFrame after the affine step of the '
                f'train pipeline), got {tuple(inputs.shape)}')
        clips, clean = inputs[:, :-1], inputs[:, -1]
        teacher = self.teacher_heatmaps(clean)
        score = teacher.flatten(2).amax(dim=2).clamp(0, 1)
        weights = score * (score >= self.min_teacher_score)
        for i, sample in enumerate(data_samples):
            sample.gt_fields = PixelData(heatmaps=teacher[i])
            sample.gt_instance_labels = InstanceData(
                keypoint_weights=weights[i:i + 1])
        self._check_clips(clips, data_samples)
        losses = super().loss(clips, data_samples)
        losses['teacher_score'] = score.mean()
        return losses
