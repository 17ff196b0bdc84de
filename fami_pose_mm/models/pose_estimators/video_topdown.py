# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Top-down pose estimator over a key frame and its supporting frames."""
import contextlib
import copy
from typing import Dict, Optional, Union

import numpy as np
import torch
import torch.nn as nn
from mmpose.evaluation.functional import pose_pck_accuracy
from mmpose.models.pose_estimators import TopdownPoseEstimator
from mmpose.registry import MODELS
from mmpose.utils.tensor_utils import to_numpy
from mmpose.utils.typing import (ConfigType, ForwardResults, OptConfigType,
                                 OptMultiConfig, OptSampleList, SampleList)
from torch import Tensor

from ...utils.crop_modes import check_crop_mode
from ...utils.frame_offsets import check_num_frames
from ..heads.frame_deconv_head import frame_deconv_head_cfg
from ..utils.crop_resample import (flip_affines, resample_to_key,
                                   stack_frame_warp_mats,
                                   support_to_key_affines)

NECK_INPUTS = ('backbone', 'head_deconv')


@MODELS.register_module()
class VideoTopdownPoseEstimator(TopdownPoseEstimator):
    """FAMI-Pose: a top-down estimator fed with a clip per person box.

    Input layout: ``inputs`` is (B, T, 3, H, W), T = 1 + N; index 0 is the
    KEY frame and indices 1..N are the supporting frames in the dataset's
    ``frame_offsets`` order (default (-2, -1, +1, +2)). The per-frame part
    (:meth:`frame_features`: the backbone, and with
    ``neck_input='head_deconv'`` the head's deconvolutions) runs ONCE on
    the B*T crops; the neck (e.g. ``FAMINeck``) aligns and fuses;
    the head decodes the key frame. T must equal the neck's
    ``num_frames``: clips of another length fail before the backbone runs,
    with an error naming ``model.neck.num_frames`` and the data's
    ``frame_offsets`` (read from the samples' metainfo). Predictions are
    ``PoseDataSample`` s exactly as in ``TopdownPoseEstimator`` (the flip
    test flips the last axis, i.e. every frame of the clip consistently).

    Supporting crops (``crop_mode``): ``'key'`` (the paper), every frame
    is cropped with the key frame's box; ``'own'``, each frame with the
    person's own box in that frame, and the supporting features
    (B, T, C, h, w) are resampled into the key crop's feature grid before
    the neck (:mod:`fami_pose_mm.models.utils.crop_resample`), from the
    crop affines ``frame_warp_mats`` (T, 2, 3) in each sample's metainfo.
    ``predict`` = :meth:`extract_clip_feats` + :meth:`predict_from_features`,
    the latter usable on features computed elsewhere (streaming).

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
        crop_mode (str): ``'key'`` (default) or ``'own'`` (see above).
        neck_input (str): What the neck fuses. ``'backbone'`` (default,
            the paper): the backbone's last output. ``'head_deconv'``: that
            output after the head's deconvolution layers (SimpleBaseline
            heads; :mod:`fami_pose_mm.models.utils.head_deconv`): they run
            per frame, frozen with the backbone under ``freeze_backbone``,
            and the head and ``mi_predictor`` decode with their remaining
            layers. Checkpoint keys are unchanged.
        frame_deconvs (int, optional): With ``neck_input='head_deconv'``,
            how many of the head's deconvolution layers run per frame
            (default all); the others decode the fused feature in the head
            and train with it.
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
                 crop_mode: str = 'key',
                 neck_input: str = 'backbone',
                 frame_deconvs: Optional[int] = None,
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
        check_crop_mode(crop_mode)
        if neck_input not in NECK_INPUTS:
            raise ValueError(f'neck_input must be one of {NECK_INPUTS}, '
                             f'got {neck_input!r}')
        if frame_deconvs is not None and neck_input != 'head_deconv':
            raise ValueError(
                f"frame_deconvs={frame_deconvs!r} needs neck_input="
                f"'head_deconv', got neck_input={neck_input!r}")
        if neck_input == 'head_deconv':
            head = frame_deconv_head_cfg(head, frame_deconvs, 'model.head')
        super().__init__(backbone, neck, head, train_cfg, test_cfg,
                         data_preprocessor, init_cfg, metainfo)
        self.crop_mode = crop_mode
        self.neck_input = neck_input
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
            if neck_input == 'head_deconv':
                cfg = frame_deconv_head_cfg(cfg, frame_deconvs,
                                            'model.mi_predictor')
            self.mi_predictor = MODELS.build(cfg)
            self.mi_predictor.requires_grad_(False)
        if freeze_backbone:
            self.backbone.requires_grad_(False)
            if self.frame_deconv is not None:
                self.frame_deconv.requires_grad_(False)
        self.train(self.training)

    def train(self, mode: bool = True) -> 'VideoTopdownPoseEstimator':
        """Set train/eval mode; frozen parts stay in eval mode (BN stats)."""
        super().train(mode)
        if getattr(self, 'freeze_backbone', False):
            self.backbone.eval()
            if self.frame_deconv is not None:
                self.frame_deconv.eval()
        if getattr(self, 'mi_predictor', None) is not None:
            self.mi_predictor.eval()
        return self

    def _check_clips(self,
                     inputs: Tensor,
                     data_samples: OptSampleList = None) -> None:
        """Raise unless ``inputs`` is (B, T, 3, H, W) with T the neck's
        ``num_frames`` (and T = 1 + len(frame_offsets) of the samples), and
        unless the samples were cropped as ``crop_mode`` says (see
        :meth:`_check_crop_mode`)."""
        if inputs.dim() != 5:
            raise ValueError(
                f'{type(self).__name__} expects (B, T, 3, H, W) clips with '
                f'the key frame first (use MultiFramePoseDataPreprocessor); '
                f'got shape {tuple(inputs.shape)}')
        self._check_crop_mode(data_samples)
        num_frames = getattr(self.neck, 'num_frames', None)
        if num_frames is None:
            return
        offsets = None
        if data_samples:
            offsets = data_samples[0].metainfo.get('frame_offsets')
        if offsets is not None:
            check_num_frames(num_frames, frame_offsets=offsets)
        check_num_frames(num_frames, clip_length=inputs.shape[1])

    def _check_crop_mode(self, data_samples: OptSampleList) -> None:
        """The data's crops agree with ``crop_mode``: a ``'key'`` model
        given samples whose ``frame_warp_mats`` differ between frames (each
        frame cropped with its own box, a ``crop_mode='own'`` dataset)
        would read every frame as if cropped with the key box; that is an
        error naming both settings."""
        if self.crop_mode != 'key':
            return
        for i, sample in enumerate(data_samples or ()):
            mats = sample.metainfo.get('frame_warp_mats')
            if mats is not None and not np.allclose(
                    np.asarray(mats), np.asarray(mats)[:1]):
                raise ValueError(
                    f"model.crop_mode='key', but data_samples[{i}] was "
                    'cropped with each frame\'s own box (its '
                    'frame_warp_mats differ between frames: the dataset\'s '
                    "crop_mode='own'); set model.crop_mode='own' or the "
                    "dataset's crop_mode='key'")

    def forward(self,
                inputs: Union[Tensor, Dict],
                data_samples: OptSampleList = None,
                mode: str = 'tensor') -> ForwardResults:
        """Check the clip length, then as :class:`TopdownPoseEstimator`.

        Args:
            inputs (Tensor): (B, T, 3, H, W), key frame first.
            data_samples (list[PoseDataSample], optional): Their metainfo's
                ``frame_offsets``, when present, is checked against
                ``neck.num_frames``; with ``crop_mode='own'`` every mode
                reads their ``frame_warp_mats`` and ``input_size``.
            mode (str): ``'loss'``, ``'predict'`` or ``'tensor'``
                (heatmaps (B, K, h, w)).

        Returns:
            dict | list | Tensor: As :meth:`BasePoseEstimator.forward`.
        """
        if isinstance(inputs, list):
            inputs = torch.stack(inputs)
        if isinstance(inputs, Tensor):
            self._check_clips(inputs, data_samples)
        if mode == 'tensor':  # mmpose's forward drops the samples here
            return self._forward(inputs, data_samples)
        return super().forward(inputs, data_samples, mode)

    def _forward(self, inputs: Tensor,
                 data_samples: OptSampleList = None) -> Tensor:
        """Heatmaps (B, K, h, w) of (B, T, 3, H, W) clips, no decoding."""
        fused = self.neck_forward(inputs, data_samples=data_samples)['fused']
        return self.head.forward((fused, ))

    @property
    def frame_deconv(self) -> Optional[nn.Module]:
        """The head's deconvolutions that run per frame (all, or the first
        ``frame_deconvs``), else None (they stay registered, and load, under
        ``head.deconv_layers``)."""
        if getattr(self, 'neck_input', None) == 'head_deconv':
            return self.head.frame_deconv
        return None

    def frame_features(self, crops: Tensor) -> Tensor:
        """The per-frame part on single crops: the backbone's last output,
        through the head's deconvolutions with ``neck_input='head_deconv'``;
        without autograd under ``freeze_backbone``.

        Args:
            crops (Tensor): (N, 3, H, W).

        Returns:
            Tensor: (N, C, h, w), what the neck takes per frame.
        """
        grad_ctx = (torch.no_grad()
                    if self.freeze_backbone else contextlib.nullcontext())
        with grad_ctx:
            feats = self.backbone(crops)
            feat = feats[-1] if isinstance(feats, (tuple, list)) else feats
            if self.frame_deconv is not None:
                feat = self.frame_deconv(feat)
        return feat

    def extract_clip_feats(self, inputs: Tensor) -> Tensor:
        """:meth:`frame_features` once on all B*T frames.

        Args:
            inputs (Tensor): (B, T, 3, H, W), key frame first.

        Returns:
            Tensor: (B, T, C, h, w), the per-frame features.
        """
        self._check_clips(inputs)
        b, t = inputs.shape[:2]
        feat = self.frame_features(inputs.flatten(0, 1))
        return feat.reshape(b, t, *feat.shape[1:])

    def neck_from_features(self,
                           feats: Tensor,
                           data_samples: OptSampleList = None,
                           warp_mats: Union[Tensor, np.ndarray, None] = None,
                           flip: bool = False,
                           params: Optional[Dict] = None) -> Dict:
        """Resample to the key crop (``crop_mode='own'``), then the neck.

        Args:
            feats (Tensor): (B, T, C, h, w) backbone features, key first.
            data_samples (list[PoseDataSample], optional): ``'own'``: their
                metainfo gives ``input_size`` (W, H) and, without
                ``warp_mats``, ``frame_warp_mats`` (T, 2, 3) each.
            warp_mats (Tensor | np.ndarray, optional): (B, T, 2, 3) crop
                affines (original image -> model input); overrides the
                metainfo's. Ignored with ``crop_mode='key'``.
            flip (bool): ``feats`` are of the horizontally flipped clip;
                the affines are conjugated by the feature flip
                x -> (w - 1) - x (an approximation, see
                :mod:`fami_pose_mm.models.utils.crop_resample`).
            params (dict, optional): Held alignment parameters for the neck.

        Returns:
            dict: The neck outputs (``fused`` (B, C, h, w), ...).
        """
        if feats.dim() != 5:
            raise ValueError(f'expected backbone features (B, T, C, h, w), '
                             f'got {tuple(feats.shape)}')
        num_frames = getattr(self.neck, 'num_frames', None)
        if num_frames is not None:
            check_num_frames(num_frames, clip_length=feats.shape[1])
        if self.crop_mode == 'own':
            feats = resample_to_key(
                feats, self._key_affines(feats, data_samples, warp_mats,
                                         flip))
        return self.neck(feats, params)

    def _key_affines(self, feats: Tensor, data_samples: OptSampleList,
                     warp_mats: Union[Tensor, np.ndarray, None],
                     flip: bool) -> Tensor:
        """(B, T, 2, 3) key -> frame-t feature affines of a batch."""
        b, t, _, h, w = feats.shape
        if warp_mats is None:
            warp_mats = stack_frame_warp_mats(data_samples, t)
        warp_mats = torch.as_tensor(warp_mats)
        if tuple(warp_mats.shape) != (b, t, 2, 3):
            raise ValueError(
                f"crop_mode='own' needs warp_mats (frame_warp_mats) of shape "
                f'(B, T, 2, 3) = ({b}, {t}, 2, 3) for features '
                f'{tuple(feats.shape)}, got {tuple(warp_mats.shape)}')
        input_size = None
        if data_samples:
            input_size = data_samples[0].metainfo.get('input_size')
        if input_size is None:
            raise ValueError("crop_mode='own' needs the model input size: "
                             "data_samples[0].metainfo['input_size'] (W, H)")
        affines = support_to_key_affines(warp_mats, input_size, (w, h))
        return flip_affines(affines, w) if flip else affines

    def neck_forward(self,
                     inputs: Tensor,
                     params: Optional[Dict] = None,
                     data_samples: OptSampleList = None) -> Dict:
        """Backbone once on all B*T frames, then the neck.

        Args:
            inputs (Tensor): (B, T, 3, H, W), key frame first.
            params (dict, optional): Held alignment parameters for the neck.
            data_samples (list[PoseDataSample], optional): Needed with
                ``crop_mode='own'`` (their ``frame_warp_mats``).

        Returns:
            dict: The neck outputs (``fused`` (B, C, h, w), ...).
        """
        return self.neck_from_features(
            self.extract_clip_feats(inputs), data_samples, params=params)

    def predict(self, inputs: Tensor, data_samples: SampleList) -> SampleList:
        """Backbone, then :meth:`predict_from_features` (flip test when
        ``test_cfg.flip_test``: the whole clip flipped on the last axis).

        Args:
            inputs (Tensor): (B, T, 3, H, W), key frame first.
            data_samples (list[PoseDataSample]): B samples (key frame's
                ``input_center``/``input_scale``/``input_size``; with
                ``crop_mode='own'`` their ``frame_warp_mats``).

        Returns:
            list[PoseDataSample]: As :meth:`TopdownPoseEstimator.predict`.
        """
        feats = self.extract_clip_feats(inputs)
        flip_feats = None
        if self.test_cfg.get('flip_test', False):
            flip_feats = self.extract_clip_feats(inputs.flip(-1))
        return self.predict_from_features(feats, None, data_samples,
                                          flip_feats)

    def predict_from_features(
            self,
            feats: Tensor,
            warp_mats: Union[Tensor, np.ndarray, None],
            data_samples: SampleList,
            flip_feats: Optional[Tensor] = None) -> SampleList:
        """Neck, head and decoding from ready backbone features.

        Args:
            feats (Tensor): (B, T, C, h, w) backbone features of the clips
                (:meth:`extract_clip_feats`), key frame first.
            warp_mats (Tensor | np.ndarray, optional): (B, T, 2, 3) crop
                affines for ``crop_mode='own'``; None reads the samples'
                ``frame_warp_mats``. Ignored with ``crop_mode='key'``.
            data_samples (list[PoseDataSample]): B samples, as
                :meth:`predict`.
            flip_feats (Tensor, optional): (B, T, C, h, w) features of the
                horizontally flipped clips; given, the flip test averages
                both heatmaps (``test_cfg``'s ``flip_mode`` and
                ``shift_heatmap``).

        The model's ``metainfo``, when set, is applied to the samples as
        :meth:`forward` does in ``'predict'`` mode.

        Returns:
            list[PoseDataSample]: ``data_samples`` with ``pred_instances``
            (``keypoints`` (1, K, 2) in image coordinates,
            ``keypoint_scores`` (1, K)) and, with
            ``test_cfg.output_heatmaps``, ``pred_fields.heatmaps``
            (K, h, w).
        """
        if self.metainfo is not None:
            for sample in data_samples:
                sample.set_metainfo(self.metainfo)
        fused = self.neck_from_features(feats, data_samples,
                                        warp_mats)['fused']
        head_feats = (fused, )
        if flip_feats is not None:
            fused_flip = self.neck_from_features(
                flip_feats, data_samples, warp_mats, flip=True)['fused']
            head_feats = [head_feats, (fused_flip, )]
        test_cfg = dict(self.test_cfg, flip_test=flip_feats is not None)
        preds = self.head.predict(head_feats, data_samples, test_cfg=test_cfg)
        pred_fields = None
        if isinstance(preds, tuple):
            preds, pred_fields = preds
        return self.add_pred_to_datasample(preds, pred_fields, data_samples)

    def _head_heatmaps(self, head, feats: Tensor) -> Tensor:
        """Run a head on (B, M, C, h, w) features -> (B, M, K, h, w)."""
        b, m = feats.shape[:2]
        out = head.forward((feats.flatten(0, 1), ))
        return out.reshape(b, m, *out.shape[1:])

    def loss(self, inputs: Tensor, data_samples: SampleList) -> dict:
        """Heatmap, auxiliary and mutual-information losses.

        Args:
            inputs (Tensor): (B, T, 3, H, W), key frame first.
            data_samples (list[PoseDataSample]): Key-frame targets (and,
                with ``crop_mode='own'``, ``frame_warp_mats``).

        Returns:
            dict: ``loss_kpt``, ``acc_pose``, ``loss_kpt_aux``, ``loss_mi_*``.
        """
        out = self.neck_forward(inputs, data_samples=data_samples)
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
