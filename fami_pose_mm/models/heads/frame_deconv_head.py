# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""A heatmap head whose deconvolution layers run in front of the neck.

SimpleBaseline-style heads (``HeatmapHead`` with ``deconv_out_channels``)
upsample the backbone's coarse output (e.g. 8x6 at 256x192) before their
final layer. A video model can run its neck on the upsampled per-frame
feature instead (``VideoTopdownPoseEstimator(neck_input='head_deconv')``,
which builds its head, and its MI predictor, as
:class:`FrameDeconvHeatmapHead`): the first ``frame_deconvs``
deconvolutions (default all) then belong to the per-frame part
(:attr:`FrameDeconvHeatmapHead.frame_deconv`), and the head decodes the
fused feature with its remaining layers (the other deconvolutions,
``conv_layers``, ``final_layer``). The layers keep their names
(``head.deconv_layers.*`` keys of a single-frame checkpoint load
unchanged).
"""
from typing import Optional, Sequence, Union

import torch.nn as nn
from mmpose.models.heads import HeatmapHead
from mmpose.registry import MODELS
from torch import Tensor

from ...utils.frame_deconvs import check_frame_deconvs

#: Head types a ``neck_input='head_deconv'`` model takes.
_SPLITTABLE = ('HeatmapHead', 'FrameDeconvHeatmapHead')


@MODELS.register_module()
class FrameDeconvHeatmapHead(HeatmapHead):
    """``HeatmapHead`` that decodes what its first deconvolutions made.

    Args:
        frame_deconvs (int, optional): How many deconvolution layers (each
            ConvTranspose2d-BN-ReLU) run per frame, before the neck, from 1
            to the head's number; None (default): all.
        setting (str): The head's config path, for errors.
        **kwargs: ``HeatmapHead``'s arguments.

    Raises:
        ValueError: If ``frame_deconvs`` is not between 1 and the head's
            number of deconvolutions.
    """

    def __init__(self,
                 frame_deconvs: Optional[int] = None,
                 setting: str = 'model.head',
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.frame_deconv_end = _layers_end(self.deconv_layers,
                                            frame_deconvs, setting)

    @property
    def frame_deconv(self) -> nn.Module:
        """The per-frame deconvolutions, mapping backbone features (N, C,
        h, w) to (N, C', h * 2^n, w * 2^n): ``deconv_layers`` itself when
        all run per frame (an ``nn.Identity`` when the head has none),
        else an ``nn.Sequential`` of its first layers (the same modules,
        not registered twice)."""
        end = self.frame_deconv_end
        return self.deconv_layers if end is None else \
            self.deconv_layers[:end]

    def forward(self, feats: Union[Tensor, Sequence[Tensor]]) -> Tensor:
        """(B, C', h', w') features (the last of ``feats``), made by
        :attr:`frame_deconv` -> heatmaps (B, K, H', W') through the
        remaining deconvolutions (H' = h' * 2^r for r remaining),
        ``conv_layers`` and ``final_layer``."""
        x = feats[-1] if isinstance(feats, (tuple, list)) else feats
        if self.frame_deconv_end is not None:
            x = self.deconv_layers[self.frame_deconv_end:](x)
        return self.final_layer(self.conv_layers(x))


def frame_deconv_head_cfg(cfg: dict, frame_deconvs: Optional[int],
                          setting: str) -> dict:
    """The config of ``cfg``'s head as a :class:`FrameDeconvHeatmapHead`.

    Args:
        cfg (dict): A ``HeatmapHead`` config.
        frame_deconvs (int, optional): See :class:`FrameDeconvHeatmapHead`.
        setting (str): The config path of ``cfg``, for errors.

    Returns:
        dict: A copy, ``type='FrameDeconvHeatmapHead'``.

    Raises:
        ValueError: If ``cfg`` is not a ``HeatmapHead`` config.
    """
    head_type = str(cfg.get('type', '')).split('.')[-1]
    if head_type not in _SPLITTABLE:
        raise ValueError(
            "neck_input='head_deconv' needs a heatmap head with "
            'deconv_layers, conv_layers and final_layer (mmpose '
            f'HeatmapHead); {setting} is {cfg.get("type")!r}')
    return dict(cfg, type='FrameDeconvHeatmapHead',
                frame_deconvs=frame_deconvs, setting=setting)


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
