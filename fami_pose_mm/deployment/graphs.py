# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The modules traced into ONNX graphs, one per graph of a design.

Each wraps the pose model and runs exactly the PyTorch code the model
runs at test time, up to the head's raw outputs (heatmaps): decoding and
the flip test stay outside the graphs (see :mod:`.onnx_model`).
"""
from typing import Dict, Tuple

import torch
import torch.nn as nn
from torch import Tensor

from ..models.utils.crop_resample import resample_to_key
from ..utils.crop_modes import crop_mode_of, design_of

_OUTPUT_NAMES = dict(backbone=('feats', ))
_INPUT_NAMES = dict(image=('image', ), clip=('clip', ),
                    backbone=('crops', ), neck_head=('feats', 'affines'))


def _head_outputs(out) -> Tuple[Tensor, ...]:
    """The head's output as a tuple (one heatmap tensor, or several)."""
    return tuple(out) if isinstance(out, (tuple, list)) else (out, )


class ModelGraph(nn.Module):
    """Whole model: ``image`` (B, 3, H, W) (single frame) or ``clip`` (B,
    T, 3, H, W) (``crop_mode='key'``) -> head outputs, e.g. heatmaps (B, K,
    h, w). The model's ``_forward`` (its ``mode='tensor'``)."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, inputs: Tensor) -> Tuple[Tensor, ...]:
        return _head_outputs(self.model._forward(inputs))


class BackboneGraph(nn.Module):
    """``crops`` (N, 3, H, W) -> ``feats`` (N, C, h, w): the per-frame
    part, ``VideoTopdownPoseEstimator.frame_features`` (the backbone's last
    output, through the head's deconvolutions with
    ``neck_input='head_deconv'``)."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, crops: Tensor) -> Tensor:
        return self.model.frame_features(crops)


class NeckHeadGraph(nn.Module):
    """``feats`` (B, T, C, h, w) float32 and ``affines`` (B, T, 2, 3)
    float64 (key -> frame-t feature affines, from the crops' warp
    matrices: :func:`~fami_pose_mm.models.utils.crop_resample.
    support_to_key_affines`, flipped for the flip test) -> head outputs:
    ``resample_to_key``, the neck and the head, as
    ``VideoTopdownPoseEstimator.predict_from_features`` before decoding.
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.neck = model.neck
        self.head = model.head

    def forward(self, feats: Tensor, affines: Tensor) -> Tuple[Tensor, ...]:
        fused = self.neck(resample_to_key(feats, affines))['fused']
        return _head_outputs(self.head.forward((fused, )))


def model_design(model) -> str:
    """``'single_frame'``, ``'clip'`` or ``'streaming'`` of a pose model
    (:func:`~fami_pose_mm.utils.crop_modes.design_of` its crop mode)."""
    return design_of(crop_mode_of(model))


def graph_spec(name: str, inputs: tuple, outputs: tuple, file: str) -> dict:
    """The ``deploy.json`` entry of graph ``name``: its ``file``, and its
    ``inputs``/``outputs`` names, shapes (``'batch'`` first) and dtypes,
    from example input and output tensors."""

    def describe(names, tensors):
        return {
            key: dict(shape=['batch'] + list(t.shape[1:]),
                      dtype=str(t.dtype).replace('torch.', ''))
            for key, t in zip(names, tensors)
        }

    out_names = _OUTPUT_NAMES.get(name) or (
        ('heatmaps', ) if len(outputs) == 1 else tuple(
            f'output{i}' for i in range(len(outputs))))
    return dict(file=file, inputs=describe(_INPUT_NAMES[name], inputs),
                outputs=describe(out_names, outputs))


def graph_modules(model: nn.Module, design: str) -> Dict[str, nn.Module]:
    """``{graph name: module}`` of a design (see :mod:`.deploy_info`),
    in eval mode (the exporter restores a module's mode afterwards, and
    a wrapper made in train mode would put the model back in it)."""
    if design == 'streaming':
        graphs = dict(backbone=BackboneGraph(model),
                      neck_head=NeckHeadGraph(model))
    else:
        graphs = {'image' if design == 'single_frame' else 'clip':
                  ModelGraph(model)}
    return {name: graph.eval() for name, graph in graphs.items()}


def example_inputs(design: str, batch: int, num_frames: int,
                   input_size: Tuple[int, int], feat_shape: Tuple[int, ...],
                   seed: int = 0) -> Dict[str, Tuple[Tensor, ...]]:
    """Seeded example inputs per graph.

    Args:
        design (str): See :mod:`.deploy_info`.
        batch (int): B (or N crops).
        num_frames (int): T.
        input_size (tuple): (W, H) of a crop.
        feat_shape (tuple): (C, h, w) of the backbone's feature.
        seed (int): Random seed.

    Returns:
        dict: ``{graph name: inputs}``; the affines are random
        perturbations of the identity (a supporting box a little scaled
        and shifted), so that the resampling is exercised.
    """
    gen = torch.Generator().manual_seed(seed)
    width, height = input_size
    if design == 'single_frame':
        return dict(image=(torch.randn(batch, 3, height, width,
                                       generator=gen), ))
    if design == 'clip':
        return dict(clip=(torch.randn(batch, num_frames, 3, height, width,
                                      generator=gen), ))
    noise = torch.randn(batch, num_frames, 2, 3, generator=gen,
                        dtype=torch.float64)
    affines = torch.eye(2, 3, dtype=torch.float64) + noise * noise.new_tensor(
        [0.05, 0.05, 2.0])  # scale/shear a few %, shifts of ~2 feature px
    affines[:, 0] = torch.eye(2, 3, dtype=torch.float64)
    return dict(
        backbone=(torch.randn(batch, 3, height, width, generator=gen), ),
        neck_head=(torch.randn(batch, num_frames, *feat_shape,
                               generator=gen), affines))
