# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Tiny models of the three designs, with active GTM/LCM weights, and
their ONNX exports, for the deployment tests."""
import os.path as osp
import sys

import torch

TESTS = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.join(TESTS, 'test_apis'))

from apis_test_utils import tiny_own_pose_config, tiny_pose_config  # noqa

FLIP = dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True)


def design_config(design: str, frame_offsets=(-1, 1)):
    """The tiny config of a design, flip test on; ``'streaming_deconv'``:
    the streaming design with the neck between two head deconvolutions."""
    if design.startswith('streaming'):
        cfg = tiny_own_pose_config(frame_offsets)
    else:
        cfg = tiny_pose_config(frame_offsets, design == 'clip')
    cfg.model.test_cfg = dict(FLIP)
    if design == 'streaming_deconv':
        with_head_deconv(cfg.model)
    return cfg


def with_head_deconv(model: dict) -> dict:
    """A tiny video model config whose head (and MI predictor) upsample
    the 16 x 12 backbone output by two deconvolutions to 64 x 48, the neck
    running between them (``neck_input='head_deconv'``,
    ``frame_deconvs=1``): the first runs per frame (the exported backbone
    graph), the second after the fusion (the neck-head graph), which is
    ``'weighted'`` (softmax over frames in the exported graph)."""
    deconv = dict(deconv_out_channels=(8, 8), deconv_kernel_sizes=(4, 4))
    model.head.update(deconv)
    model.head.decoder.heatmap_size = (48, 64)
    model.mi_predictor.update(deconv)
    model.neck_input = 'head_deconv'
    model.frame_deconvs = 1
    model.neck.fusion = 'weighted'
    return model


def save_active_checkpoint(cfg, path: str, seed: int = 0) -> str:
    """Seeded weights with the neck moved off its identity start (GTM
    warps, LCM offsets and masks all active)."""
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS

    import fami_pose_mm.plugin  # noqa: F401
    init_default_scope('mmpose')
    torch.manual_seed(seed)
    model = MODELS.build(cfg.model)
    if getattr(model, 'neck', None) is not None:
        with torch.no_grad():
            for param in model.neck.parameters():
                param.add_(0.05 * torch.randn_like(param))
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)
    return path


def export_design(tmp, design: str, frame_offsets=(-1, 1)) -> tuple:
    """(config path, checkpoint, export folder) of a design, the model
    built by the video inferencer (as tools/deployment/export_onnx.py
    builds it)."""
    from fami_pose_mm.apis import VideoPoseInferencer
    from fami_pose_mm.deployment import export_onnx, pipeline_input_size
    name = f'{design}{len(frame_offsets)}'
    cfg = design_config(design, frame_offsets)
    cfg_path = str(tmp / f'{name}.py')
    cfg.dump(cfg_path)
    ckpt = save_active_checkpoint(cfg, str(tmp / f'{name}.pth'))
    out_dir = str(tmp / f'{name}_onnx')
    inferencer = VideoPoseInferencer(cfg_path, ckpt, device='cpu')
    export_onnx(inferencer.model, inferencer.cfg, out_dir,
                frame_offsets=inferencer.frame_offsets,
                input_size=pipeline_input_size(inferencer.pipeline))
    return cfg_path, ckpt, out_dir
