# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""MMPose's own single-frame configs and random-weight checkpoints of
them, for the tests of the drop-in and of the single-frame start."""
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.utils import get_installed_path


def mmpose_config(path: str) -> Config:
    """A config shipped with mmpose (what ``mmpose::<path>`` names)."""
    return Config.fromfile(
        osp.join(get_installed_path('mmpose'), '.mim', 'configs', path))


def save_single_frame_checkpoint(config: str, path: str,
                                 seed: int = 0) -> torch.nn.Module:
    """Build an mmpose single-frame model with random weights (BN running
    means moved off zero, so that loading them shows) and save it as
    mmengine does, ``state_dict`` and a ``meta`` without ``dataset_meta``
    (as some published checkpoints).

    Args:
        config (str): Path under mmpose's configs, e.g.
            ``'body_2d_keypoint/topdown_heatmap/coco/td-hm_res50_...py'``.
        path (str): The checkpoint file to write.
        seed (int): Torch seed of the weights.

    Returns:
        nn.Module: The model saved.
    """
    from mmpose.registry import MODELS
    init_default_scope('mmpose')
    cfg = mmpose_config(config)
    cfg.model.backbone.init_cfg = None
    torch.manual_seed(seed)
    model = MODELS.build(cfg.model)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-1, 1)
    torch.save(dict(state_dict=model.state_dict(), meta={}), str(path))
    return model
