# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""``neck_input='head_deconv'``: the neck after a SimpleBaseline head's
deconvolutions (fami_pose_mm/models/heads/frame_deconv_head.py)."""
import copy

import pytest
import torch
import torch.nn as nn
from _tiny import HEAD, K, make_batch, model_cfg
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS

import fami_pose_mm.plugin  # noqa: F401  (registers)
from fami_pose_mm.models.heads import frame_deconv_head_cfg

init_default_scope('mmpose')
DECONV = dict(deconv_out_channels=(8, ), deconv_kernel_sizes=(4, ))
TWO_DECONVS = dict(deconv_out_channels=(8, 8), deconv_kernel_sizes=(4, 4))


def _deconv_head(**kw) -> nn.Module:
    torch.manual_seed(0)
    return MODELS.build(dict(HEAD, **{**DECONV, **kw}))


def _split_head(head: nn.Module, frame_deconvs=None, **kw) -> nn.Module:
    """A ``FrameDeconvHeatmapHead`` with ``head``'s weights."""
    cfg = frame_deconv_head_cfg(dict(HEAD, **{**DECONV, **kw}),
                                frame_deconvs, 'model.head')
    split = MODELS.build(cfg).eval()
    split.load_state_dict(head.state_dict())
    return split


def _build(neck_input: str, deconv: dict = DECONV, heatmap_size=(24, 32),
           **overrides) -> nn.Module:
    head = dict(HEAD, **deconv)
    head['decoder'] = dict(head['decoder'], heatmap_size=heatmap_size)
    predictor = dict(type='HeatmapHead', in_channels=8, out_channels=K,
                     **deconv)
    torch.manual_seed(0)
    model = MODELS.build(model_cfg(
        head=head, mi_predictor=predictor, neck_input=neck_input,
        **overrides))
    model.init_weights()
    return model


def test_split_head_decodes_what_its_deconvs_made():
    head = _deconv_head().eval()
    x = torch.randn(2, 8, 16, 12)
    with torch.no_grad():
        want = head.forward((x, ))
        head = _split_head(head)
        deconv = head.frame_deconv
        assert deconv is head.deconv_layers
        up = deconv(x)
        got = head.forward((up, ))
    assert up.shape == (2, 8, 32, 24) and got.shape == (2, K, 32, 24)
    torch.testing.assert_close(got, want)
    # a deep copy decodes with its own layers, still skipping deconvs
    clone = copy.deepcopy(head)
    with torch.no_grad():
        clone.final_layer.weight.mul_(2)
        torch.testing.assert_close(head.forward((up, )), want)
        torch.testing.assert_close(clone.forward((up, )),
                                   2 * want - head.final_layer.bias[:, None,
                                                                    None])


def test_split_head_of_another_type_names_the_setting():
    with pytest.raises(ValueError, match='conv_layers.*model.mi_predictor '
                       "is 'RTMCCHead'"):
        frame_deconv_head_cfg(dict(type='RTMCCHead'), None,
                              'model.mi_predictor')
    with pytest.raises(ValueError, match="model.head is 'RTMCCHead'"):
        MODELS.build(model_cfg(head=dict(type='RTMCCHead'),
                               neck_input='head_deconv'))


def test_same_keys_frozen_deconvs_and_upsampled_neck():
    model = _build('head_deconv', freeze_backbone=True)
    paper = _build('backbone')
    # checkpoint keys do not depend on where the neck runs
    assert set(model.state_dict()) == set(paper.state_dict())
    assert model.frame_deconv is model.head.deconv_layers
    assert paper.frame_deconv is None
    with torch.no_grad():
        feats = model.extract_clip_feats(torch.zeros(2, 3, 3, 64, 48))
        assert feats.shape == (2, 3, 8, 32, 24)
        assert paper.extract_clip_feats(
            torch.zeros(2, 3, 3, 64, 48)).shape == (2, 3, 8, 16, 12)
    data = make_batch(heatmap_size=(24, 32))
    frozen = copy.deepcopy({**model.backbone.state_dict(),
                            **model.head.deconv_layers.state_dict()})
    final = model.head.final_layer.weight.clone()
    optim = OptimWrapper(torch.optim.Adam(
        [p for p in model.parameters() if p.requires_grad], lr=1e-2))
    for _ in range(2):
        log_vars = model.train_step(copy.deepcopy(data), optim)
    assert torch.isfinite(log_vars['loss'])
    assert 'loss_mi_y_aligned' in log_vars
    # backbone and deconvs frozen (weights and BN statistics)
    now = {**model.backbone.state_dict(),
           **model.head.deconv_layers.state_dict()}
    for key, value in frozen.items():
        assert torch.equal(now[key], value), key
    assert not model.head.deconv_layers.training
    assert not torch.equal(model.head.final_layer.weight, final)
    model.test_cfg['output_heatmaps'] = True
    pred = model.val_step(copy.deepcopy(data))[0]
    assert pred.pred_fields.heatmaps.shape == (K, 32, 24)
    assert pred.pred_instances.keypoints.shape == (1, K, 2)


def test_bad_neck_input():
    with pytest.raises(ValueError, match="neck_input.*'head_deconv'"):
        _build('deconv')
    with pytest.raises(ValueError, match="frame_deconvs=1 needs neck_input"):
        _build('backbone', frame_deconvs=1)


def test_split_after_the_first_of_two_deconvs():
    """``num_layers=1``: the first deconvolution runs per frame, the second
    decodes in the head; together they are the head's own forward."""
    head = _deconv_head(**TWO_DECONVS).eval()
    keys = set(head.state_dict())
    x = torch.randn(2, 8, 8, 6)
    with torch.no_grad():
        want = head.forward((x, ))
        head = _split_head(head, 1, **TWO_DECONVS)
        per_frame = head.frame_deconv
        up = per_frame(x)
        got = head.forward((up, ))
    assert up.shape == (2, 8, 16, 12) and got.shape == (2, K, 32, 24)
    assert per_frame[0] is head.deconv_layers[0] and len(per_frame) == 3
    assert set(head.state_dict()) == keys
    torch.testing.assert_close(got, want)
    for bad in (0, 3, True):
        with pytest.raises(ValueError, match=r'frame_deconvs.*1 to.*'
                           r'model.head \(2\)'):
            _split_head(_deconv_head(**TWO_DECONVS), bad, **TWO_DECONVS)


def test_frame_deconvs_freezes_only_the_per_frame_deconv():
    model = _build('head_deconv', deconv=TWO_DECONVS, heatmap_size=(48, 64),
                   freeze_backbone=True, frame_deconvs=1)
    layers = model.head.deconv_layers
    assert model.neck.in_channels == 8
    with torch.no_grad():
        feats = model.extract_clip_feats(torch.zeros(2, 3, 3, 64, 48))
    assert feats.shape == (2, 3, 8, 32, 24)
    first = copy.deepcopy(layers[:3].state_dict())
    weight, mean = layers[3].weight.clone(), layers[4].running_mean.clone()
    optim = OptimWrapper(torch.optim.Adam(
        [p for p in model.parameters() if p.requires_grad], lr=1e-2))
    model.train_step(make_batch(heatmap_size=(48, 64)), optim)
    assert not layers[0].training and not layers[1].training
    assert layers[3].training and layers[4].training
    for key, value in layers[:3].state_dict().items():
        assert torch.equal(first[key], value), key
    # the second deconvolution trains, its BN statistics too
    assert not torch.equal(weight, layers[3].weight)
    assert not torch.equal(mean, layers[4].running_mean)
    model.test_cfg['output_heatmaps'] = True
    pred = model.val_step(make_batch(heatmap_size=(48, 64)))[0]
    assert pred.pred_fields.heatmaps.shape == (K, 64, 48)
