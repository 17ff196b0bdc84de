# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Global Transformation Module (GTM) of FAMI-Pose."""
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor

from mmpose.registry import MODELS
from mmpose.utils.typing import OptMultiConfig

_INPUT_MODES = ('difference', 'concat')


@MODELS.register_module()
class GlobalTransformModule(BaseModule):
    """Warp a supporting feature towards the key feature with an affine map.

    ``theta = phi(z_t, z_{t+d})`` is predicted by a small encoder
    (``num_convs`` stride-2 conv-BN-ReLU stages, adaptive average pooling to
    ``pool_size x pool_size`` cells, then a two-layer MLP), and the
    supporting feature is resampled with
    ``F.affine_grid`` / ``F.grid_sample`` (bilinear, zeros outside).

    Coordinate convention: ``theta`` maps normalised OUTPUT coordinates to
    normalised INPUT coordinates (``align_corners`` defaults to False, so
    ``-1`` / ``+1`` are the outer edges of the border pixels). A
    translation ``theta[:, 0, 2] = tx`` therefore moves the content by
    ``-tx * W / 2`` pixels horizontally (``-ty * H / 2`` vertically).

    The last MLP layer is zero-initialised, so at initialisation
    ``theta`` is the identity and the module returns its input unchanged.
    Only ``z_{t+d}`` is resampled; ``z_t`` only informs ``theta``.

    Args:
        in_channels (int): Channels C of both features.
        dof (int): 6 for a full affine map (paper) or 2 for a translation
            only (authors' release). Defaults to 6.
        input_mode (str): ``'difference'`` feeds ``z_{t+d} - z_t`` (release)
            and ``'concat'`` feeds ``[z_t, z_{t+d}]``. Defaults to
            ``'difference'``.
        mid_channels (int): Encoder width. Defaults to 64.
        num_convs (int): Stride-2 stages. Defaults to 3.
        pool_size (int): Cells per side after pooling. Defaults to 4.
        hidden_dim (int): MLP hidden width. Defaults to 128.
        align_corners (bool): Passed to affine_grid and grid_sample.
            Defaults to False.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int,
                 dof: int = 6,
                 input_mode: str = 'difference',
                 mid_channels: int = 64,
                 num_convs: int = 3,
                 pool_size: int = 4,
                 hidden_dim: int = 128,
                 align_corners: bool = False,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if dof not in (2, 6):
            raise ValueError(f'dof must be 2 or 6, got {dof!r}')
        if input_mode not in _INPUT_MODES:
            raise ValueError(f'input_mode must be one of {_INPUT_MODES}, '
                             f'got {input_mode!r}')
        for name, value in (('in_channels', in_channels),
                            ('mid_channels', mid_channels),
                            ('num_convs', num_convs),
                            ('pool_size', pool_size),
                            ('hidden_dim', hidden_dim)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(
                    f'{name} must be a positive int, got {value!r}')
        self.dof = dof
        self.input_mode = input_mode
        self.align_corners = align_corners
        channels = in_channels * (2 if input_mode == 'concat' else 1)
        layers = []
        for _ in range(num_convs):
            layers += [
                nn.Conv2d(channels, mid_channels, 3, 2, 1, bias=False),
                nn.BatchNorm2d(mid_channels),
                nn.ReLU(inplace=True)
            ]
            channels = mid_channels
        layers.append(nn.AdaptiveAvgPool2d(pool_size))
        self.encoder = nn.Sequential(*layers)
        self.mlp = nn.Sequential(
            nn.Flatten(), nn.Linear(mid_channels * pool_size**2, hidden_dim),
            nn.ReLU(inplace=True), nn.Linear(hidden_dim, dof))
        self.zero_init_last()

    def zero_init_last(self) -> None:
        """Zero the last layer so that ``theta`` starts at the identity."""
        nn.init.zeros_(self.mlp[-1].weight)
        nn.init.zeros_(self.mlp[-1].bias)

    def init_weights(self) -> None:
        """Run the configured init, then restore the identity start."""
        super().init_weights()
        self.zero_init_last()

    def predict_theta(self, key: Tensor, support: Tensor) -> Tensor:
        """Predict the affine matrices.

        Args:
            key (Tensor): Key feature z_t, (B, C, H, W).
            support (Tensor): Supporting feature z_{t+d}, (B, C, H, W).

        Returns:
            Tensor: theta, (B, 2, 3), identity plus the predicted change.
        """
        if key.shape != support.shape:
            raise ValueError(f'key {tuple(key.shape)} and support '
                             f'{tuple(support.shape)} shapes differ')
        if self.input_mode == 'difference':
            x = support - key
        else:
            x = torch.cat([key, support], dim=1)
        delta = self.mlp(self.encoder(x))
        eye = torch.eye(2, 3, dtype=delta.dtype, device=delta.device)
        if self.dof == 2:
            delta = F.pad(delta.unsqueeze(-1), (2, 0))  # (B, 2, 3), last col
            return eye + delta
        return eye + delta.view(-1, 2, 3)

    def warp(self, feat: Tensor, theta: Tensor) -> Tensor:
        """Resample ``feat`` with ``theta`` (bilinear, zeros padding).

        Args:
            feat (Tensor): (B, C, H, W).
            theta (Tensor): (B, 2, 3) output->input normalised coordinates.

        Returns:
            Tensor: (B, C, H, W).
        """
        if theta.shape != (feat.shape[0], 2, 3):
            raise ValueError(f'theta must be ({feat.shape[0]}, 2, 3), got '
                             f'{tuple(theta.shape)}')
        grid = F.affine_grid(
            theta.to(feat.dtype), list(feat.shape),
            align_corners=self.align_corners)
        return F.grid_sample(
            feat, grid, mode='bilinear', padding_mode='zeros',
            align_corners=self.align_corners)

    def forward(self,
                key: Tensor,
                support: Tensor,
                theta: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
        """Align one supporting feature globally.

        Args:
            key (Tensor): z_t, (B, C, H, W); only used to predict theta.
            support (Tensor): z_{t+d}, (B, C, H, W).
            theta (Tensor, optional): (B, 2, 3). When given it is used as is
                and the predictor is skipped (to hold parameters fixed).

        Returns:
            tuple[Tensor, Tensor]: the warped feature zbar_{t+d}
            (B, C, H, W) and theta (B, 2, 3).
        """
        if theta is None:
            theta = self.predict_theta(key, support)
        return self.warp(support, theta), theta
