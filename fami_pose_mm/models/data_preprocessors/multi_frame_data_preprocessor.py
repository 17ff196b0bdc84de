# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Data preprocessor for multi-frame top-down inputs."""
from typing import Optional, Sequence

import torch
from mmengine.model import BaseDataPreprocessor

from mmpose.registry import MODELS


@MODELS.register_module()
class MultiFramePoseDataPreprocessor(BaseDataPreprocessor):
    """Stack, colour-convert and normalise (B, T, 3, H, W) clips.

    mmpose's ``PoseDataPreprocessor`` only handles (3, H, W) images. This
    one takes the multi-frame contract of the datasets: ``inputs`` is a list
    of B uint8 BGR tensors (T, 3, H, W), index 0 the key frame (or an
    already stacked (B, T, 3, H, W) tensor). Every frame is converted
    BGR->RGB on the channel axis and normalised with the same mean/std.
    A (3, H, W) sample is taken as a one-frame clip (T = 1).

    Args:
        mean (Sequence[float]): Per-channel mean (after the colour
            conversion), in pixel units. Defaults to ImageNet RGB.
        std (Sequence[float]): Per-channel std. Defaults to ImageNet RGB.
        bgr_to_rgb (bool): Reverse the channel axis. Defaults to True.
        key_frame_only (bool): Return only the key frame as (B, 3, H, W), so
            a stock single-frame ``TopdownPoseEstimator`` can consume the
            multi-frame data. Defaults to False.
        non_blocking (bool): Non-blocking device copies. Defaults to False.
    """

    def __init__(self,
                 mean: Sequence[float] = (123.675, 116.28, 103.53),
                 std: Sequence[float] = (58.395, 57.12, 57.375),
                 bgr_to_rgb: bool = True,
                 key_frame_only: bool = False,
                 non_blocking: Optional[bool] = False) -> None:
        super().__init__(non_blocking)
        if len(mean) != 3 or len(std) != 3:
            raise ValueError(f'mean and std need 3 values, got {mean!r} and '
                             f'{std!r}')
        if min(std) <= 0:
            raise ValueError(f'std must be positive, got {std!r}')
        self.register_buffer('mean', torch.tensor(mean).view(1, 1, 3, 1, 1),
                             False)
        self.register_buffer('std', torch.tensor(std).view(1, 1, 3, 1, 1),
                             False)
        self.bgr_to_rgb = bgr_to_rgb
        self.key_frame_only = key_frame_only

    def forward(self, data: dict, training: bool = False) -> dict:
        """Preprocess one batch.

        Args:
            data (dict): ``inputs`` (list of (T, 3, H, W) or a (B, T, 3, H,
                W) tensor) and ``data_samples``.
            training (bool): Unused; same processing in both modes.

        Returns:
            dict: ``inputs`` float (B, T, 3, H, W) (or (B, 3, H, W) with
            ``key_frame_only``) and ``data_samples`` with
            ``batch_input_shape`` and ``pad_shape`` set.
        """
        data = self.cast_data(data)
        inputs, data_samples = data['inputs'], data.get('data_samples')
        if isinstance(inputs, torch.Tensor):
            inputs = list(inputs)
        shapes = []
        for i, clip in enumerate(inputs):
            if clip.dim() == 3:
                clip = clip.unsqueeze(0)
            if clip.dim() != 4 or clip.shape[1] != 3:
                where = ''
                if data_samples is not None and i < len(data_samples):
                    where = f" ({data_samples[i].metainfo.get('img_path')})"
                raise ValueError(f'sample {i}{where}: expected a (T, 3, H, W) '
                                 f'clip, got shape {tuple(clip.shape)}')
            inputs[i] = clip
            shapes.append(tuple(clip.shape))
        if len(set(shapes)) != 1:
            raise ValueError(f'all clips of a batch must share (T, 3, H, W); '
                             f'got {shapes}')
        batch = torch.stack(inputs).float()
        if self.bgr_to_rgb:
            batch = batch.flip(2)
        batch = (batch - self.mean) / self.std
        if self.key_frame_only:
            batch = batch[:, 0]
        if data_samples is not None:
            hw = tuple(batch.shape[-2:])
            for sample in data_samples:
                sample.set_metainfo(dict(batch_input_shape=hw, pad_shape=hw))
        return dict(inputs=batch, data_samples=data_samples)
