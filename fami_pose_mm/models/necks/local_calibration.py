# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Local Calibration Module (LCM) of FAMI-Pose."""
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor

from mmpose.registry import MODELS
from mmpose.utils.typing import OptMultiConfig
from ..utils.deform_ops import ModulatedDeformConv

_MODES = ('per_frame', 'aggregated')
_REFERENCES = ('key', 'mean')


@MODELS.register_module()
class LocalCalibrationModule(BaseModule):
    """Calibrate globally aligned features with modulated deformable convs.

    A cascade of ``num_cascades`` DCNv2 stages. At each stage a plain conv
    on ``[r, x]`` (r: the reference, ``z_t`` by default, see below) predicts
    offsets (``2 * G * k * k`` channels) and modulation logits
    (``G * k * k`` channels, passed through a sigmoid);
    the deformable conv is then applied to ``x`` only, so the key feature
    ``z_t`` never flows into the output except through offsets and masks.
    The predictors' convolution of ``[r, x]`` is computed as the sum of its
    r half and its x half (the same function: a convolution is linear in
    its input channels), offsets and masks in one call: in ``'per_frame'``
    mode r is the same for the N supporting features, so its half is
    computed once per clip instead of N times (at W48 with G = 12 the
    predictors are most of the neck's MACs).
    ReLU separates the stages. Offset and mask predictors are
    zero-initialised (zero offsets, masks 0.5). With ``identity_init`` each
    deformable conv also starts as the identity map of its input (centre
    tap ``2 * I`` against the initial masks of 0.5, other taps and bias
    zero; in ``'aggregated'`` mode the first stage starts as the mean of
    the N features), so calibration starts as a no-op, like the GTM's
    identity warp, and the head keeps reading features it knows.

    Modes:
        * ``'per_frame'`` (paper): each of the N supporting features
          ``zbar_{t+d}`` (B, C, H, W) is calibrated independently with shared
          weights, giving N outputs.
        * ``'aggregated'`` (authors' release): the N features are
          concatenated (B, N*C, H, W), the first stage maps N*C -> C, giving
          one output.

    References r (what each supporting feature is calibrated against):
        * ``'key'`` (paper): r = z_t.
        * ``'mean'``: r = the mean of ``z_t`` and the N globally aligned
          features, a reference that a degraded key frame (blurred,
          occluded) corrupts less. Key-frame values still reach the output
          only through offsets and masks.

    Args:
        in_channels (int): Channels C of each feature.
        num_supporting (int): N; required for ``'aggregated'``. Defaults to 4.
        mode (str): ``'per_frame'`` or ``'aggregated'``.
        kernel_size (int): Deformable kernel size k. Defaults to 3.
        dilation (int): Deformable kernel dilation. Defaults to 3.
        deform_groups (int): Offset groups G. Defaults to 1.
        num_cascades (int): Stages. Defaults to 1.
        backend (str): Deform-op backend, see ``deform_ops``.
        identity_init (bool): Start every stage as the identity map (see
            above) instead of a random (Kaiming) kernel. Defaults to True.
        reference (str): ``'key'`` or ``'mean'`` (see above). Defaults to
            ``'key'``.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int,
                 num_supporting: int = 4,
                 mode: str = 'per_frame',
                 kernel_size: int = 3,
                 dilation: int = 3,
                 deform_groups: int = 1,
                 num_cascades: int = 1,
                 backend: str = 'auto',
                 identity_init: bool = True,
                 reference: str = 'key',
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if mode not in _MODES:
            raise ValueError(f'mode must be one of {_MODES}, got {mode!r}')
        if reference not in _REFERENCES:
            raise ValueError(f'reference must be one of {_REFERENCES}, got '
                             f'{reference!r}')
        for name, value in (('in_channels', in_channels),
                            ('num_supporting', num_supporting),
                            ('kernel_size', kernel_size),
                            ('dilation', dilation),
                            ('num_cascades', num_cascades)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(
                    f'{name} must be a positive int, got {value!r}')
        self.mode = mode
        self.reference = reference
        self.identity_init = identity_init
        self.in_channels = in_channels
        self.num_supporting = num_supporting
        first_in = in_channels * (
            num_supporting if mode == 'aggregated' else 1)
        pad = dilation * (kernel_size - 1) // 2
        self.dcns = nn.ModuleList()
        self.offset_convs = nn.ModuleList()
        self.mask_convs = nn.ModuleList()
        for i in range(num_cascades):
            c_in = first_in if i == 0 else in_channels
            if c_in % deform_groups:
                raise ValueError(
                    f'deform_groups ({deform_groups}) must divide the '
                    f'stage-{i} input channels ({c_in})')
            dcn = ModulatedDeformConv(c_in, in_channels, kernel_size, 1, pad,
                                      dilation, 1, deform_groups, True,
                                      backend)
            self.dcns.append(dcn)
            self.offset_convs.append(
                nn.Conv2d(in_channels + c_in, dcn.offset_channels, 3, 1, 1))
            self.mask_convs.append(
                nn.Conv2d(in_channels + c_in, dcn.mask_channels, 3, 1, 1))
        self.zero_init_predictors()

    def zero_init_predictors(self) -> None:
        """Zero offsets and mask logits (masks start at 0.5); with
        ``identity_init`` also the identity deformable kernels."""
        for conv in list(self.offset_convs) + list(self.mask_convs):
            nn.init.zeros_(conv.weight)
            nn.init.zeros_(conv.bias)
        if not self.identity_init:
            return
        with torch.no_grad():
            for dcn in self.dcns:
                kh, kw = dcn.kernel_size
                c_out, c_in = dcn.weight.shape[:2]
                dcn.weight.zero_()
                if dcn.bias is not None:
                    dcn.bias.zero_()
                # 2 = 1 / the initial mask value sigmoid(0)
                eye = torch.eye(c_out).repeat(1, c_in // c_out)
                dcn.weight[:, :, kh // 2, kw // 2] = \
                    2.0 * eye / (c_in // c_out)

    def init_weights(self) -> None:
        """Run the configured init, then restore the predictors' (and, with
        ``identity_init``, the kernels') initial values."""
        super().init_weights()
        self.zero_init_predictors()

    def forward(
        self,
        key: Tensor,
        warped: Tensor,
        params: Optional[Dict[str, List[Tensor]]] = None
    ) -> Tuple[Tensor, Dict[str, List[Tensor]]]:
        """Calibrate the globally aligned supporting features.

        Args:
            key (Tensor): z_t, (B, C, H, W); only used to predict offsets
                and masks (alone or in the mean reference).
            warped (Tensor): zbar_{t+d}, (B, N, C, H, W).
            params (dict, optional): ``offsets`` and ``masks``: lists (one per
                cascade stage) of tensors shaped (B*M, 2*G*k*k, H, W) and
                (B*M, G*k*k, H, W) (masks after the sigmoid). When given
                they are used as is (predictors skipped).

        Returns:
            tuple: aligned features ztilde (B, M, C, H, W) with M = N
            (``per_frame``) or 1 (``aggregated``), and the params dict.
        """
        if warped.dim() != 5 or warped.shape[2] != self.in_channels:
            raise ValueError(f'warped must be (B, N, {self.in_channels}, H, '
                             f'W), got {tuple(warped.shape)}')
        b, n, c, h, w = warped.shape
        ref = key
        if self.reference == 'mean':
            ref = (key + warped.sum(dim=1)) / (n + 1)
        if self.mode == 'aggregated':
            if n != self.num_supporting:
                raise ValueError(
                    f'aggregated LCM expects {self.num_supporting} '
                    f'supporting features, got {n}')
            x, m = warped.reshape(b, n * c, h, w), 1
        else:
            x, m = warped.reshape(b * n, c, h, w), n
        out_params: Dict[str, List[Tensor]] = dict(offsets=[], masks=[])
        for i, dcn in enumerate(self.dcns):
            if params is None:
                offset, mask = self.predict_offsets_masks(i, ref, x)
            else:
                offset, mask = params['offsets'][i], params['masks'][i]
            out_params['offsets'].append(offset)
            out_params['masks'].append(mask)
            x = dcn(x, offset, mask)
            if i < len(self.dcns) - 1:
                x = x.relu()
        return x.reshape(b, m, c, h, w), out_params

    def predict_offsets_masks(self, stage: int, ref: Tensor,
                              x: Tensor) -> Tuple[Tensor, Tensor]:
        """Offsets and masks (after the sigmoid) of one stage: the offset
        and mask convolutions of ``[r, x]``, r repeated for each of the
        ``len(x) // len(ref)`` inputs of a clip, as r's half (once per
        clip) plus x's half.

        Args:
            stage (int): The cascade stage.
            ref (Tensor): r, (B, C, H, W).
            x (Tensor): The stage input, (B * M, c_in, H, W).

        Returns:
            tuple: offsets (B * M, 2 * G * k * k, H, W) and masks
            (B * M, G * k * k, H, W).
        """
        offset_conv, mask_conv = self.offset_convs[stage], \
            self.mask_convs[stage]
        weight = torch.cat([offset_conv.weight, mask_conv.weight])
        bias = torch.cat([offset_conv.bias, mask_conv.bias])
        c = ref.shape[1]
        from_ref = F.conv2d(ref, weight[:, :c].contiguous(), None, 1, 1)
        from_x = F.conv2d(x, weight[:, c:].contiguous(), bias, 1, 1)
        # (B, M, ...) with B read from the tensor (a dynamic axis in ONNX);
        # in place: the convolution's backward does not need its output
        out = from_x.view(ref.shape[0], -1, *from_x.shape[1:]).add_(
            from_ref.unsqueeze(1)).flatten(0, 1)
        num_offsets = offset_conv.out_channels
        return out[:, :num_offsets], out[:, num_offsets:].sigmoid()
