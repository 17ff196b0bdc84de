# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Resampling supporting-frame features into the key crop's feature grid.

With ``crop_mode='own'`` every frame of a clip is cropped with that
person's own box in that frame. Frame t's crop came from the original
image by the affine ``M_t`` (``(2, 3)``, original image coordinates ->
model input coordinates, as mmpose's ``TopdownAffine`` computes it with
``get_warp_matrix(center, scale, rot, output_size=input_size)``). A point
(x, y) of the key crop's FEATURE grid lies at A_t (x, y, 1) in frame t's
feature grid, with

    A_t = S . M_t . M_0^{-1} . S^{-1},   S = diag(w / W, h / H)

(homogeneous 3x3 products, top two rows kept),
with (W, H) the model input size and (w, h) the feature size. S is
mmpose's heatmap convention: feature x = input x * w / W, no half-pixel
shift. ``A_0`` is the identity.

Feature maps are sampled with ``grid_sample`` (bilinear, zeros outside,
``align_corners=True``: feature index j <-> normalised -1 + 2 j / (w - 1)),
so a point that lands on a feature pixel reads that pixel (to the float32
rounding of the grid, < 1e-5 relative).

Flip test: the backbone's features of a horizontally flipped clip are
taken as the index-flipped features of the clip, ``j -> (w - 1) - j``
(F below); the affine for the flipped clip is then ``F . A_t . F``. Two
approximations are implied. (1) A CNN is not exactly flip-equivariant.
(2) In the S convention above a flip of the input (pixel x -> (W - 1) - x)
is the feature flip j -> (w - w / W) - j, not (w - 1) - j: the flip
centres differ by (1 - w / W) / 2 feature pixels. Translations are
unaffected (conjugating by any flip negates them); where A_t scales by a
(a = key box size / supporting box size) the resampled position moves by
|1 - a| (1 - w / W) feature pixels, e.g. 0.375 px for a supporting box
twice as large (a = 1/2) at stride 4.
"""
from typing import Sequence, Union

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

ArrayLike = Union[Tensor, np.ndarray]


def _homogeneous(mats: Tensor) -> Tensor:
    """(..., 2, 3) affines -> (..., 3, 3) with a last row (0, 0, 1)."""
    last = mats.new_tensor([0.0, 0.0, 1.0]).expand(*mats.shape[:-2], 1, 3)
    return torch.cat([mats, last], dim=-2)


def _check_affines(mats: Tensor, name: str) -> None:
    """Raise unless ``mats`` is (B, T, 2, 3) with T >= 1."""
    if mats.dim() != 4 or tuple(mats.shape[-2:]) != (2, 3) \
            or mats.shape[1] < 1:
        raise ValueError(f'{name} must have shape (B, T, 2, 3) (one 2x3 '
                         f'affine per clip and frame, key frame first), '
                         f'got {tuple(mats.shape)}')


def _check_size(size: Sequence[float], name: str) -> None:
    """Raise unless ``size`` is two positive numbers (W, H)."""
    if len(size) != 2 or min(float(s) for s in size) <= 0:
        raise ValueError(f'{name} must be two positive numbers (width, '
                         f'height), got {tuple(size)!r}')


def support_to_key_affines(warp_mats: ArrayLike,
                           input_size: Sequence[float],
                           feat_size: Sequence[float]) -> Tensor:
    """Affines from the key crop's feature grid to each frame's.

    Args:
        warp_mats (Tensor | np.ndarray): (B, T, 2, 3) crop affines M_t,
            original image -> model input coordinates, key frame first.
        input_size (Sequence[float]): Model input size (W, H) in pixels.
        feat_size (Sequence[float]): Feature size (w, h) in feature pixels.

    Returns:
        Tensor: (B, T, 2, 3) float64 affines A_t on ``warp_mats``' device;
        ``A_t @ (x, y, 1)`` is the frame-t feature position of the key
        feature position (x, y). ``A_0`` is exactly the identity.

    Raises:
        ValueError: On a wrong shape or size, or a singular key affine
            (the message names the clip).
    """
    mats = torch.as_tensor(warp_mats).to(torch.float64)
    _check_affines(mats, 'warp_mats')
    _check_size(input_size, 'input_size')
    _check_size(feat_size, 'feat_size')
    det = mats[:, 0, 0, 0] * mats[:, 0, 1, 1] - \
        mats[:, 0, 0, 1] * mats[:, 0, 1, 0]
    singular = (det.abs() < 1e-12).nonzero().flatten().tolist()
    if singular:
        raise ValueError(f'warp_mats[b, 0] (the key frame crop) is singular '
                         f'for clips b = {singular}: a box of zero size?')
    ratio = [float(f) / float(i) for f, i in zip(feat_size, input_size)]
    scale = torch.diag(mats.new_tensor(ratio + [1.0]))
    scale_inv = torch.diag(mats.new_tensor([1 / r for r in ratio] + [1.0]))
    full = _homogeneous(mats)
    key_inv = torch.linalg.inv(full[:, :1])
    affines = (scale @ full @ key_inv @ scale_inv)[..., :2, :].clone()
    affines[:, 0] = torch.eye(2, 3, dtype=torch.float64)
    return affines


def flip_affines(affines: Tensor, feat_width: int) -> Tensor:
    """The affines for a horizontally flipped clip: ``F . A_t . F``.

    Args:
        affines (Tensor): (B, T, 2, 3) key -> frame-t feature affines.
        feat_width (int): Feature width w; F is x -> (w - 1) - x.

    Returns:
        Tensor: (B, T, 2, 3), same dtype; the identity stays the identity.
        See the module docstring for the approximation this implies.
    """
    _check_affines(affines, 'affines')
    flip = torch.diag(affines.new_tensor([-1.0, 1.0, 1.0]))
    flip[0, 2] = feat_width - 1
    return (flip @ _homogeneous(affines) @ flip)[..., :2, :]


def resample_to_key(feats: Tensor, affines: Tensor) -> Tensor:
    """Sample each frame's features at the key crop's feature grid.

    Args:
        feats (Tensor): (B, T, C, h, w) features, key frame first.
        affines (Tensor): (B, T, 2, 3) key -> frame-t feature affines
            (:func:`support_to_key_affines`); entry 0 is not read.

    Returns:
        Tensor: (B, T, C, h, w), frame 0 the input's frame 0 (not
        resampled, bit-exact); frame t >= 1 holds frame t's feature at
        ``A_t @ (x, y, 1)`` for each key position (x, y), bilinear, zero
        where that falls outside frame t's map. Differentiable in
        ``feats``.

    Raises:
        ValueError: On shapes that do not match, or a map smaller than
            2 x 2 (``align_corners=True`` needs two samples per axis).
    """
    if feats.dim() != 5:
        raise ValueError(f'feats must have shape (B, T, C, h, w), got '
                         f'{tuple(feats.shape)}')
    _check_affines(affines, 'affines')
    b, t, c, h, w = feats.shape
    if tuple(affines.shape[:2]) != (b, t):
        raise ValueError(f'affines {tuple(affines.shape)} must be (B, T, 2, '
                         f'3) = ({b}, {t}, 2, 3) for feats '
                         f'{tuple(feats.shape)}')
    if h < 2 or w < 2:
        raise ValueError(f'feature maps must be at least 2 x 2 to resample, '
                         f'got h x w = {h} x {w}')
    if t == 1:
        return feats
    exact = torch.float64
    support = affines[:, 1:].to(device=feats.device, dtype=exact)
    ys, xs = torch.meshgrid(
        torch.arange(h, device=feats.device, dtype=exact),
        torch.arange(w, device=feats.device, dtype=exact), indexing='ij')
    points = torch.stack([xs, ys, torch.ones_like(xs)], dim=-1)  # (h, w, 3)
    src = torch.einsum('btij,hwj->bthwi', support, points)
    norm = src / src.new_tensor([(w - 1) / 2, (h - 1) / 2]) - 1
    sampled = F.grid_sample(
        feats[:, 1:].flatten(0, 1), norm.flatten(0, 1).to(feats.dtype),
        mode='bilinear', padding_mode='zeros', align_corners=True)
    return torch.cat(
        [feats[:, :1], sampled.reshape(b, t - 1, c, h, w)], dim=1)


def stack_frame_warp_mats(data_samples: Sequence, num_frames: int) -> Tensor:
    """The crop affines of a batch, read from the samples' metainfo.

    Args:
        data_samples (Sequence[PoseDataSample]): B samples whose metainfo
            holds ``frame_warp_mats`` (T, 2, 3), key frame first.
        num_frames (int): T, frames per clip.

    Returns:
        Tensor: (B, T, 2, 3) float64 on the CPU.

    Raises:
        ValueError: If there are no samples, or a sample lacks the key or
            holds another shape; the message names the sample.
    """
    need = (f"crop_mode='own' reads data_samples[i].metainfo"
            f"['frame_warp_mats'] of shape (T, 2, 3) = ({num_frames}, 2, 3) "
            f'(stacked (B, T, 2, 3): crop affines, original image -> model '
            f'input, key frame first)')
    if not data_samples:
        raise ValueError(f'{need}, but got no data samples; pass them, or '
                         f"set model.crop_mode='key'")
    mats = []
    for i, sample in enumerate(data_samples):
        mat = sample.metainfo.get('frame_warp_mats')
        if mat is None:
            raise ValueError(
                f'{need}; data_samples[{i}] has none (is it in '
                f"PackPoseInputs' meta_keys?), or set model.crop_mode='key'")
        mat = torch.as_tensor(np.asarray(mat, dtype=np.float64))
        if tuple(mat.shape) != (num_frames, 2, 3):
            raise ValueError(f'{need}; data_samples[{i}] has shape '
                             f'{tuple(mat.shape)}')
        mats.append(mat)
    return torch.stack(mats)
