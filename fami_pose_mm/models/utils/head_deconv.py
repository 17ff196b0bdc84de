# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Move a heatmap head's deconvolution layers in front of the neck.

SimpleBaseline-style heads (``HeatmapHead`` with ``deconv_out_channels``)
upsample the backbone's coarse output (e.g. 8x6 at 256x192) before their
final layer. A video model can run its neck on the upsampled per-frame
feature instead (``VideoTopdownPoseEstimator(neck_input='head_deconv')``):
the first ``num_layers`` deconvolutions (default all) then belong to the
per-frame part, and the head decodes the fused feature with its remaining
layers (the other deconvolutions, ``conv_layers``, ``final_layer``). The
layers stay where they are in the head (``head.deconv_layers.*`` keys of a
single-frame checkpoint load unchanged); only the head's ``forward`` skips
the per-frame ones.
"""
import types
from typing import Optional, Sequence, Union

import torch.nn as nn
from torch import Tensor

from ...utils.frame_deconvs import check_frame_deconvs

_PARTS = ('deconv_layers', 'conv_layers', 'final_layer')


def _forward_after_deconv(self, feats: Union[Tensor, Sequence[Tensor]]):
    """``HeatmapHead.forward`` without the per-frame deconvolutions:
    (B, C', h', w') features (the last of ``feats``) -> heatmaps
    (B, K, H', W') through the remaining deconvolutions (H' = h' * 2^r for
    r remaining), ``conv_layers`` and ``final_layer``."""
    x = feats[-1] if isinstance(feats, (tuple, list)) else feats
    if self.frame_deconv_end is not None:
        x = self.deconv_layers[self.frame_deconv_end:](x)
    return self.final_layer(self.conv_layers(x))


def split_head_deconv(head: nn.Module,
                      setting: str = 'model.head',
                      num_layers: Optional[int] = None) -> nn.Module:
    """Make ``head`` decode features its first deconvolutions produced.

    Args:
        head (nn.Module): A ``HeatmapHead`` (or subclass with the same
            ``deconv_layers`` -> ``conv_layers`` -> ``final_layer`` path).
            Its ``forward`` (and so ``predict``) from now on skips the
            first ``num_layers`` deconvolutions; a deep copy keeps that
            behaviour.
        setting (str): The config path of ``head``, for errors.
        num_layers (int, optional): How many deconvolution layers (each
            ConvTranspose2d-BN-ReLU) run per frame; default all.

    Returns:
        nn.Module: The per-frame deconvolutions, mapping backbone features
        (N, C, h, w) to (N, C', h * 2^n, w * 2^n): ``head.deconv_layers``
        itself when all run per frame (an ``nn.Identity`` when the head has
        none), else an ``nn.Sequential`` of its first layers (the same
        modules, not registered twice).

    Raises:
        ValueError: If the head lacks one of the three layer groups, or
            ``num_layers`` is not between 1 and its number of
            deconvolutions.
    """
    missing = [p for p in _PARTS if not isinstance(
        getattr(head, p, None), nn.Module)]
    if missing:
        raise ValueError(
            f"neck_input='head_deconv' needs a heatmap head with "
            f'{", ".join(_PARTS)} (mmpose HeatmapHead); {setting} '
            f'({type(head).__name__}) has no {", ".join(missing)}')
    head.frame_deconv_end = _layers_end(head.deconv_layers, num_layers,
                                        setting)
    head.forward = types.MethodType(_forward_after_deconv, head)
    return frame_deconv_of(head)


def frame_deconv_of(head: nn.Module) -> nn.Module:
    """The per-frame deconvolutions of a head split by
    :func:`split_head_deconv` (see its Returns)."""
    end = head.frame_deconv_end
    return head.deconv_layers if end is None else head.deconv_layers[:end]


def _layers_end(layers: nn.Module, num_layers: Optional[int],
                setting: str) -> Optional[int]:
    """Index in ``layers`` just after its ``num_layers``-th deconvolution;
    None when all of them run per frame."""
    if num_layers is None:
        return None
    starts = [i for i, m in enumerate(layers.children())
              if isinstance(m, nn.ConvTranspose2d)]
    check_frame_deconvs(num_layers, len(starts), setting)
    return starts[num_layers] if num_layers < len(starts) else None
