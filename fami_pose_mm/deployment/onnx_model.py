# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""A pose model whose network runs as exported ONNX graphs.

:class:`OnnxPoseModel` offers what the video inferencer and its streaming
predictor call on a PyTorch pose model (``test_step``, ``frame_features``,
``predict_from_features``, ``data_preprocessor``, ``dataset_meta``,
``test_cfg``, ``crop_mode``, ``neck.num_frames``), so both run it
unchanged. Around the graphs it runs the same PyTorch code as the model:
mmpose's data preprocessor before them; after them the head's own
``predict`` (flip averaging with ``flip_indices``, the codec's decoding),
on a head built from its config whose ``forward`` passes the graph's
outputs through; then mmpose's ``add_pred_to_datasample``.

Flip test: the graphs are exported without it and run a second time on
the flipped input (the flipped crops, and in the streaming design the
flipped affines), as the PyTorch model does.
"""
from types import SimpleNamespace
from typing import Optional, Sequence, Tuple, Union

import numpy as np
import torch.nn as nn
from mmpose.models.pose_estimators import TopdownPoseEstimator
from mmpose.registry import MODELS
from mmpose.utils.typing import SampleList
from torch import Tensor

from ..models.pose_estimators import VideoTopdownPoseEstimator
from ..models.utils.crop_resample import flip_affines
from .deploy_info import (DESIGNS, check_settings, decode_meta,
                          read_deploy_info)
from .onnx_graph import OnnxGraph


def decoding_head(head_cfg: dict) -> nn.Module:
    """The config's head whose ``forward`` returns the graph outputs it is
    given (one tensor, or a tuple of several): its ``predict`` then flips,
    averages and decodes them as it would its own outputs."""
    head = MODELS.build(head_cfg)

    def graph_outputs(outputs: Sequence[Tensor]):
        return outputs[0] if len(outputs) == 1 else tuple(outputs)

    head.forward = graph_outputs
    return head


class OnnxPoseModel(nn.Module):
    """The exported graphs of a pose model on ONNX Runtime.

    Args:
        export_dir (str): Folder written by
            ``tools/deployment/export_onnx.py`` (``deploy.json`` and the
            graphs).
        cfg (Config, optional): The pose config it runs with; checked
            against the export's settings (model type, crop mode, codec,
            input size).
        device (str): ``'cpu'``, or ``'cuda[:i]'`` for ONNX Runtime's
            CUDA provider when it has one. Pre- and post-processing run on
            the CPU.

    Raises:
        FileNotFoundError: If the folder, its ``deploy.json`` or a graph is
            missing.
        ValueError: If ``deploy.json`` is malformed, the config differs
            from the export's, or a graph does not match ``deploy.json``
            or cannot be loaded (see :class:`~.onnx_graph.OnnxGraph`).
    """

    add_pred_to_datasample = TopdownPoseEstimator.add_pred_to_datasample
    # the PyTorch model's rule: (B, T, 2, 3) feature affines of a batch
    _key_affines = VideoTopdownPoseEstimator._key_affines

    def __init__(self, export_dir: str, cfg=None,
                 device: str = 'cpu') -> None:
        info = read_deploy_info(export_dir)
        if cfg is not None:
            check_settings(info, cfg, info['json_path'])
        super().__init__()
        self.info = info
        self.design: str = info['design']
        self.crop_mode: Optional[str] = info.get('crop_mode')
        self.test_cfg = dict(info['test_cfg'])
        self.dataset_meta = decode_meta(info['dataset_meta'])
        self.metainfo = decode_meta(info.get('model_metainfo'))
        self.neck = None if self.design == 'single_frame' else \
            SimpleNamespace(num_frames=info['num_frames'])
        self.data_preprocessor = MODELS.build(info['data_preprocessor'])
        self.head = decoding_head(info['head'])
        self.graphs = {
            name: OnnxGraph(export_dir, name, info['graphs'][name],
                            info.get('opset'), device)
            for name in DESIGNS[self.design]
        }
        self.backbone = self.graphs.get('backbone')

    def frame_features(self, crops: Tensor) -> Tensor:
        """(N, C, h, w) per-frame features of crops (N, 3, H, W): the
        ``backbone`` graph (the model's ``frame_features``; streaming
        design only)."""
        if self.backbone is None:
            raise ValueError(
                f'frame_features needs a streaming export '
                f"(crop_mode='own'), {self.info['json_path']} is "
                f'{self.design!r}')
        return self.backbone(crops)[0]

    def test_step(self, data: dict) -> SampleList:
        """Predict a collated batch, as the PyTorch model's ``test_step``.

        Args:
            data (dict): ``inputs`` (uint8 crops or clips) and
                ``data_samples``, as collated from the test pipeline.

        Returns:
            list[PoseDataSample]: With ``pred_instances`` (keypoints in
            image pixels, scores, boxes).
        """
        data = self.data_preprocessor(data, False)
        inputs, samples = data['inputs'], data['data_samples']
        flip = self.test_cfg.get('flip_test', False)
        if self.design == 'streaming':
            return self.predict_from_features(
                self._clip_feats(inputs), None, samples,
                self._clip_feats(inputs.flip(-1)) if flip else None)
        self._set_metainfo(samples)
        graph = self.graphs['image' if self.design == 'single_frame' else
                            'clip']
        return self._decode(graph(inputs),
                            graph(inputs.flip(-1)) if flip else None,
                            samples)

    def predict_from_features(
            self,
            feats: Tensor,
            warp_mats: Union[Tensor, np.ndarray, None],
            data_samples: SampleList,
            flip_feats: Optional[Tensor] = None) -> SampleList:
        """Neck and head graph, then decoding; the arguments and results
        of ``VideoTopdownPoseEstimator.predict_from_features`` (streaming
        design only).

        Args:
            feats (Tensor): (B, T, C, h, w) backbone features, key first.
            warp_mats (Tensor | np.ndarray, optional): (B, T, 2, 3) crop
                affines; None reads the samples' ``frame_warp_mats``.
            data_samples (list[PoseDataSample]): B samples.
            flip_feats (Tensor, optional): (B, T, C, h, w) features of the
                flipped crops (flip test).

        Returns:
            list[PoseDataSample]: ``data_samples`` with predictions.
        """
        if self.design != 'streaming':
            raise ValueError(
                f'predict_from_features needs a streaming export '
                f"(crop_mode='own'), {self.info['json_path']} is "
                f'{self.design!r}')
        self._set_metainfo(data_samples)
        graph = self.graphs['neck_head']
        affines = self._key_affines(feats, data_samples, warp_mats, False)
        flipped = None
        if flip_feats is not None:
            flipped = graph(flip_feats,
                            flip_affines(affines, feats.shape[-1]))
        return self._decode(graph(feats, affines), flipped, data_samples)

    def _clip_feats(self, inputs: Tensor) -> Tensor:
        """(B, T, C, h, w) per-frame features of (B, T, 3, H, W) clips."""
        feats = self.frame_features(inputs.flatten(0, 1))
        return feats.reshape(*inputs.shape[:2], *feats.shape[1:])

    def _set_metainfo(self, samples: SampleList) -> None:
        """The model's ``metainfo`` into the samples, as mmpose does."""
        if self.metainfo is not None:
            for sample in samples:
                sample.set_metainfo(self.metainfo)

    def _decode(self, outputs: Tuple[Tensor, ...],
                flipped: Optional[Tuple[Tensor, ...]],
                samples: SampleList) -> SampleList:
        """The head's ``predict`` (flip averaging, decoding) on graph
        outputs, then the keypoints into image pixels."""
        feats = outputs if flipped is None else [outputs, flipped]
        test_cfg = dict(self.test_cfg, flip_test=flipped is not None)
        preds = self.head.predict(feats, samples, test_cfg=test_cfg)
        fields = None
        if isinstance(preds, tuple):
            preds, fields = preds
        return self.add_pred_to_datasample(preds, fields, samples)
