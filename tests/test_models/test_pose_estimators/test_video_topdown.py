# Copyright (c) fami-pose-mm contributors. All rights reserved.
import copy

import pytest
import torch
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample

import fami_pose_mm.plugin  # noqa: F401  (registers)
from _tiny import FLIP_INDICES, HEAD, K, TINY_HRNET, make_batch, model_cfg

init_default_scope('mmpose')


def _build(init: bool = True, **overrides):
    torch.manual_seed(0)
    model = MODELS.build(model_cfg(**overrides))
    if init:  # mmpose's init (std 0.001 convs); PyTorch's default otherwise
        model.init_weights()
    return model


def test_train_step_val_step_and_loss_falls():
    model = _build()
    optim = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-3))
    data = make_batch()
    history = []
    for _ in range(30):
        log_vars = model.train_step(copy.deepcopy(data), optim)
        history.append(log_vars['loss_kpt'].item())
    assert {'loss', 'loss_kpt', 'acc_pose', 'loss_kpt_aux',
            'loss_mi_y_aligned', 'loss_mi_key_aligned_reg'} <= set(log_vars)
    assert history[-1] < 0.7 * history[0]
    results = model.val_step(copy.deepcopy(data))
    assert len(results) == 2 and isinstance(results[0], PoseDataSample)
    kpts = results[0].pred_instances.keypoints
    assert kpts.shape == (1, K, 2)
    assert (kpts >= -1).all() and (kpts[..., 0] <= 49).all() \
        and (kpts[..., 1] <= 65).all()  # image coordinates of the 48x64 box


def test_flip_test_is_mirror_consistent():
    """Flip test flips every frame: a mirrored clip gives mirrored maps."""
    model = _build(init=False).eval()
    model.test_cfg['output_heatmaps'] = True
    data = model.data_preprocessor(make_batch(batch_size=1))
    inputs, samples = data['inputs'], data['data_samples']
    with torch.no_grad():
        pred = model.predict(inputs, copy.deepcopy(samples))[0]
        pred_m = model.predict(inputs.flip(-1), copy.deepcopy(samples))[0]
    heatmaps = pred.pred_fields.heatmaps
    mirrored = pred_m.pred_fields.heatmaps[FLIP_INDICES].flip(-1)
    assert heatmaps.shape == (K, 16, 12)
    scale = heatmaps.abs().max()
    assert scale > 0
    assert ((heatmaps - mirrored).abs().max() / scale) < 1e-4
    assert ((heatmaps - heatmaps.flip(-1)).abs().max() / scale) > 1e-2
    assert pred.pred_instances.keypoints.shape == (1, K, 2)
    assert pred.pred_instances.keypoint_scores.shape == (1, K)


def test_freeze_backbone_keeps_bn_statistics():
    # a frozen, eval-mode backbone with mmpose's std-0.001 init would give
    # vanishing features, so keep PyTorch's default init here
    model = _build(init=False, freeze_backbone=True)
    bn = [m for m in model.backbone.modules()
          if isinstance(m, torch.nn.BatchNorm2d)]
    before = [m.running_mean.clone() for m in bn]
    optim = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-3))
    model.train()
    assert not model.backbone.training and model.neck.training
    assert not model.mi_predictor.training
    neck_before = model.neck.gtm.encoder[0].weight.clone()
    for _ in range(2):
        model.train_step(make_batch(), optim)
    assert all(torch.equal(b, m.running_mean) for b, m in zip(before, bn))
    assert all(not p.requires_grad for p in model.backbone.parameters())
    assert not torch.equal(neck_before, model.neck.gtm.encoder[0].weight)


def test_head_batchnorm_statistics_cover_fused_and_aligned():
    """One head call per step: BN's running estimate is the statistic the
    training batches were normalised with (fused and aligned together)."""
    model = _build(init=False, mi_loss=None, mi_predictor=None)
    conv, bn = model.head.conv_layers[0], model.head.conv_layers[1]
    bn.momentum = 1.0  # running statistics = those of the last batch
    data = model.data_preprocessor(make_batch())
    model.train()
    model.loss(data['inputs'], data['data_samples'])
    assert bn.num_batches_tracked.item() == 1
    with torch.no_grad():
        out = model.neck_forward(data['inputs'])
        x = conv(torch.cat([out['fused'], out['aligned'].flatten(0, 1)]))
    torch.testing.assert_close(bn.running_mean, x.mean(dim=(0, 2, 3)))
    torch.testing.assert_close(bn.running_var, x.var(dim=(0, 2, 3)))


def test_switches_and_bad_input():
    model = _build(aux_loss_weight=0.0, mi_loss=None, mi_predictor=None)
    data = model.data_preprocessor(make_batch())
    losses = model.loss(data['inputs'], data['data_samples'])
    assert set(losses) == {'loss_kpt', 'acc_pose'}
    with pytest.raises(ValueError, match=r'\(B, T, 3, H, W\)'):
        model.loss(data['inputs'][:, 0], data['data_samples'])
    with pytest.raises(ValueError, match='mi_predictor'):
        MODELS.build(model_cfg(mi_predictor=None))


def test_mi_predictor_follows_backbone_checkpoint(tmp_path):
    torch.manual_seed(1)
    single = MODELS.build(dict(type='TopdownPoseEstimator',
                               backbone=TINY_HRNET, head=HEAD))
    single.init_weights()
    path = tmp_path / 'single_frame.pth'
    torch.save(dict(state_dict=single.state_dict()), path)
    backbone = dict(TINY_HRNET, init_cfg=dict(
        type='Pretrained', checkpoint=str(path), prefix='backbone.'))
    model = _build(backbone=backbone, freeze_backbone=True)
    assert torch.equal(model.backbone.conv1.weight,
                       single.backbone.conv1.weight)
    assert torch.equal(model.mi_predictor.final_layer.weight,
                       single.head.final_layer.weight)
    assert not model.mi_predictor.final_layer.weight.requires_grad


def test_clip_length_must_match_neck_num_frames():
    model = _build(init=False).eval()  # neck.num_frames = 3
    data = model.data_preprocessor(make_batch(num_frames=5))
    for sample in data['data_samples']:
        sample.set_metainfo(dict(frame_offsets=(-2, -1, 1, 2)))
    named = (r'frame_offsets \(-2, -1, 1, 2\) give 5 frames per clip '
             r'\(the key frame first\) but model.neck.num_frames is 3')
    for mode in ('loss', 'predict', 'tensor'):
        with pytest.raises(ValueError, match=named):
            model(data['inputs'], data['data_samples'], mode=mode)
    unnamed = (r'the data \(1 \+ len\(frame_offsets\)\) has 5 frames per '
               r'clip .* model.neck.num_frames is 3')
    with pytest.raises(ValueError, match=unnamed):
        model(data['inputs'], None, mode='tensor')
    with pytest.raises(ValueError, match=unnamed):
        model.loss(data['inputs'], data['data_samples'])
    # offsets that disagree with the neck fail even on a clip of T frames
    data = model.data_preprocessor(make_batch(num_frames=3))
    data['data_samples'][0].set_metainfo(dict(frame_offsets=(-1, 1, 2)))
    with pytest.raises(ValueError, match=r'\(-1, 1, 2\) give 4 frames'):
        model(data['inputs'], data['data_samples'], mode='predict')
    data['data_samples'][0].set_metainfo(dict(frame_offsets=(-1, 1)))
    assert len(model(data['inputs'], data['data_samples'],
                     mode='predict')) == 2
