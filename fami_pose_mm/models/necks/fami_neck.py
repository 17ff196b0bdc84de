# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The FAMI-Pose neck: GTM -> LCM -> fusion."""
import copy
import warnings
from typing import Dict, Optional

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from torch import Tensor

from mmpose.models.backbones.resnet import BasicBlock
from mmpose.registry import MODELS
from mmpose.utils.typing import OptConfigType, OptMultiConfig

_FUSIONS = ('sum', 'mean', 'concat', 'weighted')


@MODELS.register_module()
class FAMINeck(BaseModule):
    """Align supporting-frame features to the key frame and fuse them.

    Input layout: backbone features of one clip, (B, T, C, H, W) with T = 1 +
    N, index 0 the key frame z_t and indices 1..N the supporting frames
    z_{t+d} in the dataset's ``frame_offsets`` order.

    1. GTM (optional): zbar_{t+d} = warp(z_{t+d}, theta(z_t, z_{t+d})),
       one shared module applied to every supporting frame.
    2. LCM (optional): ztilde = MDCN(zbar; offsets, masks(z_t, zbar)),
       M = N outputs (``per_frame``) or M = 1 (``aggregated``).
    3. Fusion: ``'sum'`` (paper) z_t + sum_m ztilde_m, ``'mean'`` that
       sum divided by 1 + M (the features keep the key frame's scale, so
       behind the gate of step 4 the output (1 - g) * z_t + g * mean is a
       convex mixture that can lean away from a degraded key frame, which
       z_t + g * sum_m ztilde_m, the sum behind the gate, cannot), ``'concat'``
       (release) [z_t, ztilde_1..M] -> 1x1 conv-BN-ReLU -> ``num_res_blocks``
       residual blocks, or ``'weighted'``: sum_j w_j * f_j over f = (z_t,
       ztilde_1..M) with per-pixel weights w = softmax_j(s(z_t, f_j)), one
       score net s (3x3 conv-BN-ReLU, 1x1 conv to one logit) shared by all
       j, its last layer zero at the start (so the fusion starts as the
       mean) and able to lean on the key frame where the supporting
       features disagree with it.
    4. Gate (``gate=True``, :class:`ChannelGate`): the output is z_t + g
       * (F - z_t), F the fusion of step 3 and g a per-channel gate (1, C,
       1, 1) that starts at zero, so a video model whose backbone and head come from a
       single-frame model starts as exactly that model (its heatmaps,
       bit for bit) and the supporting frames enter as g is learned. The
       gate is the only path from the fusion to the output, so at g = 0
       it alone gets a gradient from the heatmap loss; GTM and LCM still
       learn from the auxiliary and MI losses, which read the aligned
       features directly.

    Setting ``gtm=None`` and/or ``lcm=None`` skips that step (identity), so
    ablations are config-only. Key-frame values reach the aligned features
    only through theta, offsets and masks.

    Args:
        in_channels (int): Backbone channels C.
        num_frames (int): T = 1 + N, the clip length: ``1 +
            len(frame_offsets)`` of the data, from which the configs derive
            it (``VideoTopdownPoseEstimator`` checks each batch against
            it). Defaults to 5.
        gtm (dict, optional): ``GlobalTransformModule`` config
            (``in_channels`` filled in). Defaults to ``None``.
        lcm (dict, optional): ``LocalCalibrationModule`` config
            (``in_channels`` and ``num_supporting`` filled in).
        fusion (str): ``'sum'``, ``'mean'``, ``'concat'`` or
            ``'weighted'``. Defaults to ``'sum'``.
        num_res_blocks (int): Residual blocks after ``'concat'``.
        gate (bool): Gate the fusion with a zero-initialised per-channel
            gate (step 4). Defaults to False (the paper); the project's
            configs set it (``configs/_base_/models/fami_hrnet_w48.py``).
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int,
                 num_frames: int = 5,
                 gtm: OptConfigType = None,
                 lcm: OptConfigType = None,
                 fusion: str = 'sum',
                 num_res_blocks: int = 2,
                 gate: bool = False,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not isinstance(num_frames, int) or num_frames < 2:
            raise ValueError(f'num_frames must be an int >= 2 (key + at least '
                             f'one supporting frame), got {num_frames!r}')
        if fusion not in _FUSIONS:
            raise ValueError(f'fusion must be one of {_FUSIONS}, got '
                             f'{fusion!r}')
        self.in_channels = in_channels
        self.num_frames = num_frames
        self.fusion = fusion
        self.gtm = self._build(gtm, is_gtm=True)
        self.lcm = self._build(lcm, is_gtm=False)
        if fusion == 'concat':
            num_aligned = self.num_aligned
            layers = [
                nn.Conv2d(in_channels * (1 + num_aligned), in_channels, 1,
                          bias=False),
                nn.BatchNorm2d(in_channels),
                nn.ReLU(inplace=True)
            ]
            layers += [
                BasicBlock(in_channels, in_channels)
                for _ in range(num_res_blocks)
            ]
            self.fuse = nn.Sequential(*layers)
        elif fusion == 'weighted':
            self.score = _score_net(in_channels)
        if not isinstance(gate, bool):
            raise ValueError(f'gate must be True or False, got {gate!r}')
        self.gate = ChannelGate(in_channels) if gate else None

    def _build(self, cfg: OptConfigType, is_gtm: bool) -> Optional[nn.Module]:
        """Build a GTM/LCM from its config, filling in shared sizes."""
        if cfg is None:
            return None
        cfg = copy.deepcopy(dict(cfg))
        cfg.setdefault('type', 'GlobalTransformModule'
                       if is_gtm else 'LocalCalibrationModule')
        cfg.setdefault('in_channels', self.in_channels)
        if not is_gtm:
            cfg.setdefault('num_supporting', self.num_frames - 1)
        return MODELS.build(cfg)

    def init_weights(self) -> None:
        """Run the configured init, then restore the start: the mean of
        ``'weighted'`` fusion, the closed gate."""
        super().init_weights()
        if self.fusion == 'weighted':
            _zero_last(self.score)
        if self.gate is not None:
            nn.init.zeros_(self.gate.weight)

    def open_gate_of_ungated(self, state_dict: dict, prefix: str) -> bool:
        """Give a checkpoint of this neck saved without a gate (trained
        before ``gate`` existed, or with ``gate=False``) the gate open, g =
        1, which is that neck exactly (z_t + 1 * (F - z_t) = F); in place,
        with a warning.

        Args:
            state_dict (dict): A whole checkpoint state dict.
            prefix (str): This neck's key prefix in it, e.g. ``'neck.'``.

        Returns:
            bool: Whether the gate was added.
        """
        key = prefix + 'gate.weight'
        if self.gate is None or key in state_dict or not any(
                k.startswith(prefix) for k in state_dict):
            return False
        state_dict[key] = torch.ones_like(self.gate.weight)
        warnings.warn(f'the checkpoint has {prefix}* entries but no {key}: '
                      'a neck trained without the gate; loaded with the '
                      'gate open (g = 1), which is that neck exactly')
        return True

    def _load_from_state_dict(self, state_dict, prefix, *args,
                              **kwargs) -> None:
        """As ``nn.Module``'s, after :meth:`open_gate_of_ungated`."""
        self.open_gate_of_ungated(state_dict, prefix)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    @property
    def num_aligned(self) -> int:
        """M, the number of aligned supporting features the neck outputs."""
        if self.lcm is not None and self.lcm.mode == 'aggregated':
            return 1
        return self.num_frames - 1

    def _weighted(self, key: Tensor, aligned: Tensor) -> Tensor:
        """Per-pixel softmax-weighted sum of key and aligned features.

        Args:
            key (Tensor): z_t, (B, C, H, W).
            aligned (Tensor): ztilde, (B, M, C, H, W).

        Returns:
            Tensor: (B, C, H, W).
        """
        b, m, c, h, w = aligned.shape
        frames = torch.cat([key.unsqueeze(1), aligned], dim=1)
        pairs = torch.cat(
            [key.unsqueeze(1).expand_as(frames), frames], dim=2)
        logits = self.score(pairs.flatten(0, 1)).view(b, m + 1, 1, h, w)
        return (logits.softmax(dim=1) * frames).sum(dim=1)

    def forward(self,
                feats: Tensor,
                params: Optional[Dict] = None) -> Dict[str, object]:
        """Align and fuse.

        Args:
            feats (Tensor): (B, T, C, H, W), key frame first.
            params (dict, optional): Held alignment parameters as returned in
                ``out['params']`` (keys ``theta`` (B, N, 2, 3) and ``lcm``);
                a missing or None entry is predicted.

        Returns:
            dict: ``fused`` (B, C, H, W), ``key`` z_t (B, C, H, W),
            ``supporting`` z_{t+d} (B, N, C, H, W), ``warped`` zbar
            (B, N, C, H, W), ``aligned`` ztilde (B, M, C, H, W) and
            ``params`` (``theta`` or None, ``lcm`` or None).
        """
        if (feats.dim() != 5 or feats.shape[1] != self.num_frames
                or feats.shape[2] != self.in_channels):
            raise ValueError(
                f'FAMINeck expects features (B, {self.num_frames}, '
                f'{self.in_channels}, H, W) (key frame first), got '
                f'{tuple(feats.shape)}: model.neck.num_frames must be 1 + '
                f'len(frame_offsets) and model.neck.in_channels the '
                f'channels of the backbone output the head reads')
        params = params or {}
        b, t, c, h, w = feats.shape
        n = t - 1
        key, support = feats[:, 0], feats[:, 1:]
        theta = lcm_params = None
        warped = support
        if self.gtm is not None:
            held = params.get('theta')
            key_n = key.unsqueeze(1).expand(b, n, c, h, w).reshape(-1, c, h, w)
            warped, theta = self.gtm(
                key_n, support.reshape(-1, c, h, w),
                None if held is None else held.reshape(-1, 2, 3))
            warped, theta = warped.view(b, n, c, h, w), theta.view(b, n, 2, 3)
        aligned = warped
        if self.lcm is not None:
            aligned, lcm_params = self.lcm(key, warped, params.get('lcm'))
        if self.fusion in ('sum', 'mean'):
            fused = key + aligned.sum(dim=1)
            if self.fusion == 'mean':
                fused = fused / (1 + aligned.shape[1])
        elif self.fusion == 'weighted':
            fused = self._weighted(key, aligned)
        else:
            fused = self.fuse(torch.cat([key, aligned.flatten(1, 2)], dim=1))
        if self.gate is not None:
            fused = self.gate(key, fused)
        return dict(
            fused=fused,
            key=key,
            supporting=support,
            warped=warped,
            aligned=aligned,
            params=dict(theta=theta, lcm=lcm_params))


class ChannelGate(nn.Module):
    """z_t + g * (F - z_t) with a per-channel gate g, ``weight`` (1, C, 1,
    1), zero at the start: the output is then z_t exactly.

    A module of its own, registered after GTM and LCM, so that the gate is
    not the neck's first parameter (mmengine logs the learning rate of the
    first parameter group, and the configs give the gate its own rate).

    Args:
        channels (int): C.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1, channels, 1, 1))

    def forward(self, key: Tensor, fused: Tensor) -> Tensor:
        """Gate the fusion.

        Args:
            key (Tensor): z_t, (B, C, H, W).
            fused (Tensor): F, (B, C, H, W).

        Returns:
            Tensor: (B, C, H, W).
        """
        return key + self.weight * (fused - key)


def _score_net(channels: int) -> nn.Sequential:
    """The score net of ``'weighted'`` fusion: (B, 2C, H, W) -> (B, 1, H, W).

    Its last convolution starts at zero, so every frame starts with the same
    weight.
    """
    net = nn.Sequential(
        nn.Conv2d(2 * channels, channels, 3, padding=1, bias=False),
        nn.BatchNorm2d(channels), nn.ReLU(inplace=True),
        nn.Conv2d(channels, 1, 1))
    _zero_last(net)
    return net


def _zero_last(net: nn.Sequential) -> None:
    """Zero the last layer of a score net: equal weights for every frame."""
    nn.init.zeros_(net[-1].weight)
    nn.init.zeros_(net[-1].bias)
