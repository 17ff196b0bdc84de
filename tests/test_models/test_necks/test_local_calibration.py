# Copyright (c) fami-pose-mm contributors. All rights reserved.
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from fami_pose_mm.models.necks import LocalCalibrationModule
from fami_pose_mm.models.utils import deform_backend


def _held_params(lcm, rows, h, w, offset=0.0, mask=1.0):
    dcn = lcm.dcns[0]
    return dict(
        offsets=[torch.full((rows, dcn.offset_channels, h, w), offset)],
        masks=[torch.full((rows, dcn.mask_channels, h, w), mask)])


@pytest.mark.parametrize('mode', ['per_frame', 'aggregated'])
def test_zero_offsets_unit_masks_equal_plain_conv(mode):
    torch.manual_seed(0)
    lcm = LocalCalibrationModule(8, num_supporting=2, mode=mode,
                                 deform_groups=2, dilation=2,
                                 backend='torchvision', identity_init=False)
    key, warped = torch.randn(3, 8, 10, 12), torch.randn(3, 2, 8, 10, 12)
    rows = 3 if mode == 'aggregated' else 6
    out, _ = lcm(key, warped, _held_params(lcm, rows, 10, 12))
    dcn = lcm.dcns[0]
    x = warped.reshape(3, 16, 10, 12) if mode == 'aggregated' else \
        warped.reshape(6, 8, 10, 12)
    ref = F.conv2d(x, dcn.weight, dcn.bias, padding=2, dilation=2)
    assert out.shape == (3, 1 if mode == 'aggregated' else 2, 8, 10, 12)
    assert torch.allclose(out.reshape(ref.shape), ref, atol=1e-5)


@pytest.mark.parametrize('mode', ['per_frame', 'aggregated'])
def test_backends_agree(mode):
    if deform_backend('auto') != 'mmcv':
        pytest.skip('mmcv was built without ops')
    torch.manual_seed(0)
    kwargs = dict(in_channels=8, num_supporting=2, mode=mode, deform_groups=4,
                  num_cascades=2, identity_init=False)
    lcm_tv = LocalCalibrationModule(backend='torchvision', **kwargs)
    lcm_mm = LocalCalibrationModule(backend='mmcv', **kwargs)
    for conv in list(lcm_tv.offset_convs) + list(lcm_tv.mask_convs):
        torch.nn.init.normal_(conv.weight, std=0.1)  # non-trivial offsets
    lcm_mm.load_state_dict(lcm_tv.state_dict())
    key, warped = torch.randn(2, 8, 9, 7), torch.randn(2, 2, 8, 9, 7)
    out_tv, params = lcm_tv(key, warped)
    out_mm, _ = lcm_mm(key, warped)
    assert params['offsets'][0].abs().max() > 0.1
    assert torch.allclose(out_tv, out_mm, atol=1e-4)


@pytest.mark.parametrize('mode', ['per_frame', 'aggregated'])
def test_identity_init_passes_features_through(mode):
    torch.manual_seed(0)
    lcm = LocalCalibrationModule(8, num_supporting=3, mode=mode,
                                 deform_groups=2, num_cascades=2,
                                 backend='grid_sample')
    lcm.init_weights()  # the configured init must not undo it
    key = torch.randn(2, 8, 9, 7)
    warped = torch.rand(2, 3, 8, 9, 7)  # >= 0: unchanged by the ReLU
    out, params = lcm(key, warped)
    expected = warped if mode == 'per_frame' else warped.mean(1, True)
    torch.testing.assert_close(out, expected, atol=1e-5, rtol=0)
    assert params['offsets'][0].abs().max() == 0
    # without it, the kernel is random and the features change
    plain = LocalCalibrationModule(8, num_supporting=3, mode=mode,
                                   deform_groups=2, backend='grid_sample',
                                   identity_init=False)
    assert (plain(key, warped)[0] - expected).abs().max() > 0.1


def test_key_only_drives_params():
    torch.manual_seed(0)
    lcm = LocalCalibrationModule(8, num_supporting=2, num_cascades=2,
                                 backend='torchvision')
    for conv in list(lcm.offset_convs) + list(lcm.mask_convs):
        torch.nn.init.normal_(conv.weight, std=0.1)
    key, warped = torch.randn(1, 8, 6, 6), torch.randn(1, 2, 8, 6, 6)
    out, params = lcm(key, warped)
    held, _ = lcm(key * 5 + 1, warped, params)
    assert torch.equal(out, held)
    free, _ = lcm(key * 5 + 1, warped)
    assert not torch.allclose(out, free)


@pytest.mark.parametrize('mode', ['per_frame', 'aggregated'])
def test_mean_reference(mode):
    torch.manual_seed(0)
    kwargs = dict(in_channels=8, num_supporting=2, mode=mode,
                  backend='grid_sample', identity_init=False)
    by_key = LocalCalibrationModule(**kwargs)
    by_mean = LocalCalibrationModule(reference='mean', **kwargs)
    for conv in list(by_key.offset_convs) + list(by_key.mask_convs):
        torch.nn.init.normal_(conv.weight, std=0.1)
    by_mean.load_state_dict(by_key.state_dict())
    key, warped = torch.randn(2, 8, 6, 7), torch.randn(2, 2, 8, 6, 7)
    out, params = by_mean(key, warped)
    # the same as calibrating against a key frame equal to the mean of the
    # key and the supporting features
    mean = (key + warped.sum(1)) / 3
    expected, expected_params = by_key(mean, warped)
    torch.testing.assert_close(out, expected)
    torch.testing.assert_close(params, expected_params)
    assert not torch.allclose(out, by_key(key, warped)[0], atol=1e-3)
    # a corrupted key frame moves the mean-referenced offsets less
    noisy = key + 3 * torch.randn_like(key)
    shift_key = (by_key(noisy, warped)[1]['offsets'][0] -
                 by_key(key, warped)[1]['offsets'][0]).abs().mean()
    shift_mean = (by_mean(noisy, warped)[1]['offsets'][0] -
                  params['offsets'][0]).abs().mean()
    assert shift_mean < shift_key / 2


def test_bad_arguments():
    with pytest.raises(ValueError, match='mode'):
        LocalCalibrationModule(8, mode='joint')
    with pytest.raises(ValueError, match='reference'):
        LocalCalibrationModule(8, reference='support')
    with pytest.raises(ValueError, match='deform_groups'):
        LocalCalibrationModule(8, deform_groups=3)
    lcm = LocalCalibrationModule(8, num_supporting=2, mode='aggregated')
    with pytest.raises(ValueError, match='expects 2'):
        lcm(torch.zeros(1, 8, 4, 4), torch.zeros(1, 3, 8, 4, 4))


@pytest.mark.parametrize('mode, reference, cascades', [
    ('per_frame', 'key', 1), ('per_frame', 'mean', 2),
    ('aggregated', 'key', 2)])
def test_split_predictors_equal_the_concatenated_convs(mode, reference,
                                                       cascades):
    """The predictors' conv of [r, x], computed as r's half once per clip
    plus x's half, is the paper's conv of the concatenation."""
    torch.manual_seed(0)
    lcm = LocalCalibrationModule(8, num_supporting=3, mode=mode,
                                 deform_groups=2, num_cascades=cascades,
                                 reference=reference, backend='torchvision',
                                 identity_init=False)
    for conv in list(lcm.offset_convs) + list(lcm.mask_convs):
        nn.init.normal_(conv.weight, std=0.05)
        nn.init.normal_(conv.bias, std=0.1)
    key, warped = torch.randn(2, 8, 9, 7), torch.randn(2, 3, 8, 9, 7)
    out, params = lcm(key, warped)
    # the paper's form: r repeated for each input, one conv of [r, x]
    b, n, c, h, w = warped.shape
    ref = key if reference == 'key' else (key + warped.sum(1)) / (n + 1)
    x = warped.reshape(b, n * c, h, w) if mode == 'aggregated' else \
        warped.reshape(b * n, c, h, w)
    if mode == 'per_frame':
        ref = ref.unsqueeze(1).expand(b, n, c, h, w).reshape(b * n, c, h, w)
    for i, dcn in enumerate(lcm.dcns):
        pred_in = torch.cat([ref, x], dim=1)
        offset = lcm.offset_convs[i](pred_in)
        mask = lcm.mask_convs[i](pred_in).sigmoid()
        torch.testing.assert_close(params['offsets'][i], offset, rtol=0,
                                   atol=1e-5)
        torch.testing.assert_close(params['masks'][i], mask, rtol=0,
                                   atol=1e-6)
        assert offset.abs().max() > 0.1  # the weights are not zero
        x = dcn(x, offset, mask)
        if i < cascades - 1:
            x = x.relu()
    torch.testing.assert_close(out.flatten(0, 1), x, rtol=0, atol=1e-5)
