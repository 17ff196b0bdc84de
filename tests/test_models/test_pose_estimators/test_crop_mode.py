# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""``crop_mode='own'``: supporting features resampled into the key crop."""
import copy

import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS
from mmpose.structures.bbox import get_warp_matrix

import fami_pose_mm.plugin  # noqa: F401  (registers)
from _tiny import make_batch, model_cfg
from fami_pose_mm.models.utils import (flip_affines, resample_to_key,
                                       support_to_key_affines)

init_default_scope('mmpose')

INPUT_SIZE = (48, 64)  # (W, H) of the tiny model; features 12 x 16
SAME_BOXES = [(0, 0, 1.0)] * 3  # (dx, dy, box scale) per frame, key first
OWN_BOXES = [(0, 0, 1.0), (8, -4, 1.0), (-3, 5, 1.5)]


def _models():
    """'key' and 'own' models with the same (PyTorch default) weights."""
    torch.manual_seed(0)
    key = MODELS.build(model_cfg(crop_mode='key'))
    own = MODELS.build(model_cfg(crop_mode='own'))
    own.load_state_dict(key.state_dict())
    return key, own


def _data(model, boxes, batch_size=2):
    """Preprocessed batch whose samples carry ``frame_warp_mats`` of boxes
    moved by (dx, dy) image px and scaled around the key box (the images
    stay those of the key crop: only the affines change)."""
    data = model.data_preprocessor(make_batch(batch_size=batch_size))
    for sample in data['data_samples']:
        center = sample.metainfo['input_center']
        scale = sample.metainfo['input_scale']
        mats = [get_warp_matrix(center + [dx, dy], scale * s, 0.0,
                                output_size=INPUT_SIZE)
                for dx, dy, s in boxes]
        sample.set_metainfo(dict(frame_warp_mats=np.stack(mats)))
    return data['inputs'], data['data_samples']


def _heatmaps(model, inputs, samples, flip_test):
    model.eval()
    model.test_cfg.update(flip_test=flip_test, output_heatmaps=True)
    with torch.no_grad():
        preds = model.predict(inputs, copy.deepcopy(samples))
    return torch.stack([p.pred_fields.heatmaps for p in preds])


@pytest.mark.parametrize('flip_test', [False, True])
def test_same_boxes_give_the_key_mode_predictions(flip_test):
    key, own = _models()
    inputs, samples = _data(key, SAME_BOXES)
    expected = _heatmaps(key, inputs, samples, flip_test)
    got = _heatmaps(own, inputs, samples, flip_test)
    assert expected.abs().max() > 1e-2
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=0)


def test_same_boxes_give_the_key_mode_losses():
    key, own = _models()
    inputs, samples = _data(key, SAME_BOXES)
    expected = key.train().loss(inputs, samples)
    got = own.train().loss(inputs, samples)
    assert set(got) == set(expected)
    for name, value in expected.items():
        torch.testing.assert_close(got[name], value, atol=1e-5, rtol=1e-5,
                                   msg=name)


def test_own_boxes_resample_before_the_neck_and_train_the_neck():
    key, own = _models()
    inputs, samples = _data(key, OWN_BOXES)
    key.eval(), own.eval()
    with torch.no_grad():
        feats = key.extract_clip_feats(inputs)
        mats = np.stack([s.metainfo['frame_warp_mats'] for s in samples])
        affines = support_to_key_affines(mats, INPUT_SIZE, (12, 16))
        by_hand = key.neck(resample_to_key(feats, affines))['fused']
        fused = own.neck_forward(inputs, data_samples=samples)['fused']
        fused_key = key.neck_forward(inputs)['fused']
    torch.testing.assert_close(fused, by_hand, atol=1e-6, rtol=0)
    assert (fused - fused_key).abs().max() > 1e-2 * fused_key.abs().max()
    for flip_test in (False, True):
        diff = _heatmaps(own, inputs, samples, flip_test) - \
            _heatmaps(key, inputs, samples, flip_test)
        assert diff.abs().max() > 1e-3
    # the MI, auxiliary and heatmap losses all reach the neck
    own.train()
    losses = own.loss(inputs, samples)
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    grads = [p.grad for p in own.neck.parameters() if p.requires_grad]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    # (GTM's encoder gets none yet: its last layer starts at zero)
    assert own.neck.gtm.mlp[-1].weight.grad.abs().sum() > 0
    assert own.neck.lcm.offset_convs[0].weight.grad.abs().sum() > 0
    assert own.backbone.conv1.weight.grad.abs().sum() > 0


def test_predict_from_features_is_predict_with_flipped_affines():
    """The streaming entry: ready features and explicit warp matrices give
    ``predict``'s output; the flipped pass uses F . A . F."""
    key, own = _models()
    inputs, samples = _data(key, OWN_BOXES)
    expected = _heatmaps(own, inputs, samples, flip_test=True)
    mats = torch.as_tensor(
        np.stack([s.metainfo['frame_warp_mats'] for s in samples]))
    bare = copy.deepcopy(samples)
    for sample in bare:
        del sample.frame_warp_mats
    key.eval()
    with torch.no_grad():
        feats = own.extract_clip_feats(inputs)
        flip_feats = own.extract_clip_feats(inputs.flip(-1))
        preds = own.predict_from_features(feats, mats, bare, flip_feats)
        got = torch.stack([p.pred_fields.heatmaps for p in preds])
        affines = support_to_key_affines(mats, INPUT_SIZE, (12, 16))
        fused = key.neck(resample_to_key(feats, affines))['fused']
        fused_flip = key.neck(resample_to_key(
            flip_feats, flip_affines(affines, 12)))['fused']
        by_hand = key.head.predict([(fused, ), (fused_flip, )], samples,
                                   test_cfg=own.test_cfg)[1]
    torch.testing.assert_close(got, expected, atol=1e-6, rtol=0)
    torch.testing.assert_close(
        got, torch.stack([f.heatmaps for f in by_hand]), atol=1e-6, rtol=0)
    assert preds[0].pred_instances.keypoints.shape == (1, 5, 2)


def test_tensor_mode_passes_the_samples():
    _, own = _models()
    inputs, samples = _data(own, OWN_BOXES)
    own.eval()
    with torch.no_grad():
        heatmaps = own(inputs, samples, mode='tensor')
        fused = own.neck_forward(inputs, data_samples=samples)['fused']
    assert heatmaps.shape == (2, 5, 16, 12)
    torch.testing.assert_close(heatmaps, own.head.forward((fused, )))
    with pytest.raises(ValueError, match='no data samples'):
        own(inputs, None, mode='tensor')


def test_errors_name_the_key_and_the_expected_shape():
    key, own = _models()
    inputs, samples = _data(own, OWN_BOXES)
    missing = copy.deepcopy(samples)
    del missing[1].frame_warp_mats
    for mode in ('loss', 'predict'):
        with pytest.raises(ValueError, match=r"\['frame_warp_mats'\] of "
                           r'shape \(T, 2, 3\) = \(3, 2, 3\).*'
                           r"data_samples\[1\] has none.*crop_mode='key'"):
            own(inputs, copy.deepcopy(missing), mode=mode)
    short = copy.deepcopy(samples)
    short[0].set_metainfo(dict(frame_warp_mats=np.zeros((2, 2, 3))))
    with pytest.raises(ValueError, match=r'data_samples\[0\] has shape '
                       r'\(2, 2, 3\)'):
        own(inputs, short, mode='loss')
    feats = torch.zeros(2, 3, 8, 16, 12)
    with pytest.raises(ValueError, match=r'\(B, T, 2, 3\) = \(2, 3, 2, 3\)'
                       r'.*got \(3, 2, 3\)'):
        own.predict_from_features(feats, torch.zeros(3, 2, 3), samples)
    with pytest.raises(ValueError, match=r"crop_mode must be one of "
                       r"\('key', 'own'\), got 'person'"):
        MODELS.build(model_cfg(crop_mode='person'))
    # a 'key' model reads matrices that are one crop for every frame (the
    # key box's), and refuses data cropped with each frame's own box
    key.eval()
    with torch.no_grad():
        same = _data(key, SAME_BOXES)[1]
        assert len(key(inputs, same, mode='predict')) == 2
        for mode in ('loss', 'predict', 'tensor'):
            with pytest.raises(ValueError, match=r"model.crop_mode='key', "
                               r"but data_samples\[0\] was cropped with "
                               r".*dataset's crop_mode='own'"):
                key.train(mode == 'loss')(inputs, copy.deepcopy(missing),
                                          mode=mode)
