# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The one tiny model definition builds and runs."""
import torch
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS

import fami_pose_mm.plugin  # noqa: F401  (registers)
from fami_pose_mm.testing import (tiny_fami_model, tiny_pose_config,
                                  tiny_single_frame_model)


def test_fami_and_single_frame_models_share_backbone_and_head():
    init_default_scope('mmpose')
    torch.manual_seed(0)
    fami = MODELS.build(tiny_fami_model(num_frames=3)).eval()
    single = MODELS.build(tiny_single_frame_model()).eval()
    with torch.no_grad():
        heatmaps = fami(torch.rand(2, 3, 3, 64, 48), None, mode='tensor')
        single_heatmaps = single(torch.rand(2, 3, 64, 48), None,
                                 mode='tensor')
    assert heatmaps.shape == single_heatmaps.shape == (2, 17, 16, 12)
    for part in ('backbone', 'head'):
        assert {k: v.shape for k, v in getattr(fami, part).state_dict()
                .items()} == {k: v.shape for k, v in
                              getattr(single, part).state_dict().items()}
    assert fami.neck.num_frames == 3


def test_pose_config_window():
    cfg = tiny_pose_config((-2, -1, 1, 2))
    assert cfg['model']['neck']['num_frames'] == 5
    offsets = cfg['test_dataloader']['dataset']['frame_offsets']
    assert offsets == (-2, -1, 1, 2)
    single = tiny_pose_config(multi_frame=False)
    assert 'frame_offsets' not in single['test_dataloader']['dataset']
    assert single['model']['backbone'] == cfg['model']['backbone']
