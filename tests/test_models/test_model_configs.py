# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The model configs parse, keep the recipe and build; W48 runs on CPU."""
import warnings
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS, MODELS

import fami_pose_mm.plugin  # noqa: F401  (registers)
from fami_pose_mm.utils.frame_offsets import check_num_frames

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = ROOT / 'configs'
SHIPPED = sorted(
    str(p.relative_to(ROOT))
    for p in [*CONFIGS.rglob('*.py'), *(ROOT / 'tests/data/configs').glob(
        '*.py')] if '_base_' not in p.parts)
PT18 = ROOT / 'tests' / 'data' / 'posetrack18'
TOP = ['fami_hrnet_w48_posetrack18.py', 'fami_hrnet_w48_posetrack17.py']
ABLATIONS = sorted(p.name for p in (CONFIGS / 'ablation').glob('*.py'))
COCO_W48 = ('td-hm_hrnet-w48_8xb32-210e_coco-384x288-c161b7de_20220915.pth')


@pytest.mark.parametrize('name', TOP)
def test_recipe(name):
    cfg = Config.fromfile(str(CONFIGS / name))
    assert cfg.optim_wrapper.optimizer == dict(type='Adam', lr=1e-3)
    sched = cfg.param_scheduler[0]
    assert sched.type == 'MultiStepLR' and sched.milestones == [8, 12, 16]
    assert sched.gamma == 0.1 and cfg.train_cfg.max_epochs == 20
    assert cfg.auto_scale_lr.base_batch_size == 48
    assert cfg.train_dataloader.batch_size == 48
    dataset = name.split('_')[-1][:-3]
    assert cfg.default_hooks.checkpoint.save_best == f'{dataset}/AP'
    assert cfg.default_hooks.checkpoint.rule == 'greater'
    model = cfg.model
    assert model.freeze_backbone is True
    assert model.backbone.init_cfg.checkpoint.endswith(COCO_W48)
    assert model.backbone.init_cfg.prefix == 'backbone.'
    assert model.head.decoder.sigma == 3
    assert model.head.decoder.input_size == (288, 384)
    assert model.head.loss == dict(type='KeypointMSELoss',
                                   use_target_weight=True)
    assert not model.head.deconv_out_channels


@pytest.mark.parametrize('name', ABLATIONS)
def test_ablation_configs(name):
    cfg = Config.fromfile(str(CONFIGS / 'ablation' / name))
    offsets = cfg.train_dataloader.dataset.frame_offsets
    assert cfg.val_dataloader.dataset.frame_offsets == offsets
    assert cfg.test_dataloader.dataset.frame_offsets == offsets
    if name.startswith('hrnet_w48_single-frame'):
        assert cfg.model.type == 'TopdownPoseEstimator' and offsets == ()
        assert cfg.model.data_preprocessor.key_frame_only
        assert cfg.model.backbone.frozen_stages == 4
        return
    assert cfg.model.neck.num_frames == 1 + len(offsets)
    init_default_scope('mmpose')
    neck = MODELS.build(cfg.model.neck)  # cheap: no backbone
    feats = torch.randn(1, 1 + len(offsets), 48, 8, 6)
    assert neck(feats)['fused'].shape == (1, 48, 8, 6)
    has_mi = cfg.model.get('mi_loss') is not None
    assert has_mi == ('gtm-lcm-mi' in name or 'window' in name
                      or 'release' in name)
    assert (cfg.model.neck.lcm is None) == ('_gtm_' in name)


@pytest.mark.slow
def test_full_w48_forward_on_cpu():
    cfg = Config.fromfile(str(CONFIGS / 'fami_hrnet_w48_posetrack18.py'))
    cfg.model.backbone.init_cfg = None  # no download in tests
    init_default_scope('mmpose')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).eval()
    with torch.no_grad():
        heatmaps = model(torch.randn(1, 5, 3, 384, 288), None, mode='tensor')
    assert heatmaps.shape == (1, 17, 96, 72)
    assert torch.isfinite(heatmaps).all()


@pytest.mark.parametrize('path', SHIPPED)
def test_every_config_states_one_window(path):
    """The neck's T is 1 + len(frame_offsets) of every loader's dataset."""
    cfg = Config.fromfile(str(ROOT / path), import_custom_modules=False)
    loaders = [cfg.get(name) for name in
               ('train_dataloader', 'val_dataloader', 'test_dataloader')]
    offsets = [loader.dataset.frame_offsets for loader in loaders if loader]
    assert offsets
    neck = cfg.model.get('neck')
    for window in offsets:
        if neck is None:  # single-frame model
            assert window == ()
        else:
            check_num_frames(neck.num_frames, window)


def test_mismatched_window_fails_naming_both_settings():
    cfg = Config.fromfile(str(CONFIGS / 'synthetic' / 'd_fami.py'))
    cfg.merge_from_dict({'val_dataloader.dataset.frame_offsets': (-1, 1)})
    ds_cfg = cfg.val_dataloader.dataset
    ds_cfg.update(
        ann_file=str(PT18 / 'annotations' / 'test_posetrack18_clip.json'),
        data_root=str(PT18), bbox_file=None, missing_frame='nearest')
    init_default_scope('mmpose')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        data = pseudo_collate([DATASETS.build(ds_cfg)[0]])
    model = MODELS.build(cfg.model)
    with pytest.raises(ValueError) as info:
        model.val_step(data)
    assert str(info.value) == (
        'frame_offsets (-1, 1) give 3 frames per clip (the key frame first) '
        'but model.neck.num_frames is 5; set model.neck.num_frames = '
        '1 + len(frame_offsets)')
