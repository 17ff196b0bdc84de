# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Move a heatmap head's deconvolution layers in front of the neck.

SimpleBaseline-style heads (``HeatmapHead`` with ``deconv_out_channels``)
upsample the backbone's coarse output (e.g. 8x6 at 256x192) before their
final layer. A video model can run its neck on the upsampled per-frame
feature instead (``VideoTopdownPoseEstimator(neck_input='head_deconv')``):
the deconvolutions then belong to the per-frame part, and the head decodes
the fused feature with its remaining layers. The layers stay where they are
in the head (``head.deconv_layers.*`` keys of a single-frame checkpoint
load unchanged); only the head's ``forward`` skips them.
"""
import types
from typing import Sequence, Union

import torch.nn as nn
from torch import Tensor

_PARTS = ('deconv_layers', 'conv_layers', 'final_layer')


def _forward_after_deconv(self, feats: Union[Tensor, Sequence[Tensor]]):
    """``HeatmapHead.forward`` without the deconvolutions: (B, C', h', w')
    upsampled features (the last of ``feats``) -> heatmaps (B, K, h', w')."""
    x = feats[-1] if isinstance(feats, (tuple, list)) else feats
    return self.final_layer(self.conv_layers(x))


def split_head_deconv(head: nn.Module, setting: str = 'model.head') -> \
        nn.Module:
    """Make ``head`` decode features its deconvolutions already produced.

    Args:
        head (nn.Module): A ``HeatmapHead`` (or subclass with the same
            ``deconv_layers`` -> ``conv_layers`` -> ``final_layer`` path).
            Its ``forward`` (and so ``predict``) from now on skips
            ``deconv_layers``; a deep copy keeps that behaviour.
        setting (str): The config path of ``head``, for errors.

    Returns:
        nn.Module: ``head.deconv_layers``, mapping backbone features
        (N, C, h, w) to (N, C', h', w') (an ``nn.Identity`` when the head
        has no deconvolutions).

    Raises:
        ValueError: If the head lacks one of the three layer groups.
    """
    missing = [p for p in _PARTS if not isinstance(
        getattr(head, p, None), nn.Module)]
    if missing:
        raise ValueError(
            f"neck_input='head_deconv' needs a heatmap head with "
            f'{", ".join(_PARTS)} (mmpose HeatmapHead); {setting} '
            f'({type(head).__name__}) has no {", ".join(missing)}')
    head.forward = types.MethodType(_forward_after_deconv, head)
    return head.deconv_layers
