# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Top-down pose estimator over a key frame and its supporting frames."""
import contextlib
import copy
from typing import Dict, Optional, Tuple, Union

import torch
from torch import Tensor

from mmpose.evaluation.functional import pose_pck_accuracy
from mmpose.models.pose_estimators import TopdownPoseEstimator
from mmpose.registry import MODELS
from mmpose.utils.tensor_utils import to_numpy
from mmpose.utils.typing import (ConfigType, ForwardResults, OptConfigType,
                                 OptMultiConfig, OptSampleList, SampleList)

from ...utils.frame_offsets import check_num_frames


@MODELS.register_module()
class VideoTopdownPoseEstimator(TopdownPoseEstimator):
    """FAMI-Pose: a top-down estimator fed with a clip per person box.

    Input layout: ``inputs`` is (B, T, 3, H, W), T = 1 + N; index 0 is the
    KEY frame and indices 1..N are the supporting frames in the dataset's
    ``frame_offsets`` order (default (-2, -1, +1, +2)), all cropped with the
    key frame's box. The backbone runs ONCE on the B*T crops; the neck
    (e.g. ``FAMINeck``) aligns and fuses; the head decodes the key frame.
    T must equal the neck's ``num_frames``: clips of another length fail
    before the backbone runs, with an error naming ``model.neck.num_frames``
    and the data's ``frame_offsets`` (read from the samples' metainfo).
    Predictions are ``PoseDataSample`` s exactly as in
    ``TopdownPoseEstimator`` (``predict`` is inherited; its flip test flips
    the last axis, i.e. every frame of the clip consistently).

    Losses: ``loss_kpt`` (+ ``acc_pose``) on the fused feature,
    ``loss_kpt_aux`` (each aligned supporting feature decoded by the same
    head against the key-frame target, when ``aux_loss_weight > 0``) and the
    ``loss_mi_*`` terms of ``mi_loss``.

    Args:
        backbone (dict): Backbone config (e.g. HRNet).
        neck (dict): Neck config taking (B, T, C, H, W) features and
            returning a dict with ``fused``, ``key``, ``supporting`` and
            ``aligned`` (see ``FAMINeck``).
        head (dict): Head config, e.g. ``HeatmapHead`` without deconvs.
        freeze_backbone (bool): Freeze backbone weights AND its BatchNorm
            statistics (kept in eval mode by :meth:`train`), and run it
            without autograd. Defaults to False.
        aux_loss_weight (float): Weight of ``loss_kpt_aux``; 0 disables the
            auxiliary supervision. Defaults to 1.0.
        mi_loss (dict, optional): ``FAMIMutualInfoLoss`` config.
        mi_predictor (dict, optional): Label-side predictor h (a head config,
            typically the single-frame ``HeatmapHead`` with a 1x1 final layer).
            Frozen. Without its own ``init_cfg`` it is loaded from the
            backbone's ``Pretrained`` checkpoint with prefix ``'head.'``
            (the checkpoint of a single-frame mmpose top-down model); give
            it its own ``init_cfg`` when the backbone checkpoint has no
            head (e.g. ImageNet weights).
        train_cfg, test_cfg, data_preprocessor, init_cfg, metainfo: As
            :class:`TopdownPoseEstimator`.
    """

    def __init__(self,
                 backbone: ConfigType,
                 neck: ConfigType,
                 head: ConfigType,
                 freeze_backbone: bool = False,
                 aux_loss_weight: float = 1.0,
                 mi_loss: OptConfigType = None,
                 mi_predictor: OptConfigType = None,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptMultiConfig = None,
                 metainfo: Optional[dict] = None) -> None:
        if neck is None or head is None:
            raise ValueError('VideoTopdownPoseEstimator needs a neck and a '
                             'head (use TopdownPoseEstimator for one frame)')
        if mi_loss is not None and mi_predictor is None:
            raise ValueError('mi_loss needs mi_predictor (the frozen '
                             'single-frame head h)')
        if aux_loss_weight < 0:
            raise ValueError(f'aux_loss_weight must be >= 0, got '
                             f'{aux_loss_weight!r}')
        super().__init__(backbone, neck, head, train_cfg, test_cfg,
                         data_preprocessor, init_cfg, metainfo)
        self.freeze_backbone = freeze_backbone
        self.aux_loss_weight = aux_loss_weight
        self.mi_loss = MODELS.build(mi_loss) if mi_loss else None
        self.mi_predictor = None
        if mi_predictor is not None:
            cfg = copy.deepcopy(dict(mi_predictor))
            bb_init = backbone.get('init_cfg')
            if cfg.get('init_cfg') is None and isinstance(bb_init, dict) \
                    and bb_init.get('type') == 'Pretrained':
                cfg['init_cfg'] = dict(type='Pretrained', prefix='head.',
                                       checkpoint=bb_init['checkpoint'])
            self.mi_predictor = MODELS.build(cfg)
            self.mi_predictor.requires_grad_(False)
        if freeze_backbone:
            self.backbone.requires_grad_(False)
        self.train(self.training)

    def train(self, mode: bool = True) -> 'VideoTopdownPoseEstimator':
        """Set train/eval mode; frozen parts stay in eval mode (BN stats)."""
        super().train(mode)
        if getattr(self, 'freeze_backbone', False):
            self.backbone.eval()
        if getattr(self, 'mi_predictor', None) is not None:
            self.mi_predictor.eval()
        return self

    def _check_clips(self,
                     inputs: Tensor,
                     data_samples: OptSampleList = None) -> None:
        """Raise unless ``inputs`` is (B, T, 3, H, W) with T the neck's
        ``num_frames`` (and T = 1 + len(frame_offsets) of the samples)."""
        if inputs.dim() != 5:
            raise ValueError(
                f'{type(self).__name__} expects (B, T, 3, H, W) clips with '
                f'the key frame first (use MultiFramePoseDataPreprocessor); '
                f'got shape {tuple(inputs.shape)}')
        num_frames = getattr(self.neck, 'num_frames', None)
        if num_frames is None:
            return
        offsets = None
        if data_samples:
            offsets = data_samples[0].metainfo.get('frame_offsets')
        if offsets is not None:
            check_num_frames(num_frames, frame_offsets=offsets)
        check_num_frames(num_frames, clip_length=inputs.shape[1])

    def forward(self,
                inputs: Union[Tensor, Dict],
                data_samples: OptSampleList = None,
                mode: str = 'tensor') -> ForwardResults:
        """Check the clip length, then as :class:`TopdownPoseEstimator`.

        Args:
            inputs (Tensor): (B, T, 3, H, W), key frame first.
            data_samples (list[PoseDataSample], optional): Their metainfo's
                ``frame_offsets``, when present, is checked against
                ``neck.num_frames``.
            mode (str): ``'loss'``, ``'predict'`` or ``'tensor'``.

        Returns:
            dict | list | Tensor: As :meth:`BasePoseEstimator.forward`.
        """
        if isinstance(inputs, Tensor):
            self._check_clips(inputs, data_samples)
        return super().forward(inputs, data_samples, mode)

    def neck_forward(self, inputs: Tensor,
                     params: Optional[Dict] = None) -> Dict:
        """Backbone once on all B*T frames, then the neck.

        Args:
            inputs (Tensor): (B, T, 3, H, W), key frame first.
            params (dict, optional): Held alignment parameters for the neck.

        Returns:
            dict: The neck outputs (``fused`` (B, C, h, w), ...).
        """
        self._check_clips(inputs)
        b, t = inputs.shape[:2]
        grad_ctx = (torch.no_grad()
                    if self.freeze_backbone else contextlib.nullcontext())
        with grad_ctx:
            feats = self.backbone(inputs.flatten(0, 1))
        feat = feats[-1] if isinstance(feats, (tuple, list)) else feats
        return self.neck(feat.reshape(b, t, *feat.shape[1:]), params)

    def extract_feat(self, inputs: Tensor) -> Tuple[Tensor]:
        """Fused key-frame feature, ``(fused,)`` with fused (B, C, h, w)."""
        return (self.neck_forward(inputs)['fused'], )

    def _head_heatmaps(self, head, feats: Tensor) -> Tensor:
        """Run a head on (B, M, C, h, w) features -> (B, M, K, h, w)."""
        b, m = feats.shape[:2]
        out = head.forward((feats.flatten(0, 1), ))
        return out.reshape(b, m, *out.shape[1:])

    def loss(self, inputs: Tensor, data_samples: SampleList) -> dict:
        """Heatmap, auxiliary and mutual-information losses.

        Args:
            inputs (Tensor): (B, T, 3, H, W), key frame first.
            data_samples (list[PoseDataSample]): Key-frame targets.

        Returns:
            dict: ``loss_kpt``, ``acc_pose``, ``loss_kpt_aux``, ``loss_mi_*``.
        """
        out = self.neck_forward(inputs)
        gt = torch.stack([d.gt_fields.heatmaps for d in data_samples])
        weights = torch.cat(
            [d.gt_instance_labels.keypoint_weights for d in data_samples])
        aligned = out['aligned']
        b, m = aligned.shape[:2]
        # One head call on fused and (with auxiliary supervision) aligned
        # features together: the head's BatchNorm then normalises training
        # batches with the same statistics its running estimates (used at
        # test time on the fused feature alone) accumulate. Two calls would
        # blend two running estimates and normalise neither input as trained.
        feats = out['fused']
        if self.aux_loss_weight > 0:
            feats = torch.cat([feats, aligned.flatten(0, 1)])
        decoded = self.head.forward((feats, ))
        heatmaps, aux = decoded[:b], decoded[b:]
        loss_fn = self.head.loss_module
        losses = dict(loss_kpt=loss_fn(heatmaps, gt, weights))
        if self.train_cfg.get('compute_acc', True):
            _, acc, _ = pose_pck_accuracy(
                output=to_numpy(heatmaps), target=to_numpy(gt),
                mask=to_numpy(weights) > 0)
            losses['acc_pose'] = torch.tensor(acc, device=gt.device)
        if self.aux_loss_weight > 0:
            aux_gt = gt.unsqueeze(1).expand(-1, m, -1, -1, -1).flatten(0, 1)
            aux_w = weights.unsqueeze(1).expand(-1, m, -1).flatten(0, 1)
            losses['loss_kpt_aux'] = self.aux_loss_weight * loss_fn(
                aux, aux_gt, aux_w)
        if self.mi_loss is not None:
            h = self.mi_predictor
            losses.update(
                self.mi_loss(
                    label=heatmaps.detach(),
                    key_hm=h.forward((out['key'], )),
                    support_hm=self._head_heatmaps(h, out['supporting']),
                    aligned_hm=self._head_heatmaps(h, aligned),
                    key=out['key'],
                    support=out['supporting'],
                    aligned=aligned))
        return losses
