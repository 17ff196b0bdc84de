# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Crop-to-crop feature resampling, with warp matrices built by mmpose's
``get_warp_matrix`` from boxes (the data pipeline's convention)."""
import numpy as np
import pytest
import torch
from mmpose.structures import PoseDataSample
from mmpose.structures.bbox import get_warp_matrix

from fami_pose_mm.models.utils import (flip_affines, resample_to_key,
                                       stack_frame_warp_mats,
                                       support_to_key_affines)

INPUT_SIZE = (48, 64)  # (W, H), stride 4
FEAT_SIZE = (12, 16)  # (w, h)
KEY_CENTER = np.array([100.0, 100.0])
KEY_SCALE = np.array([48.0, 64.0])  # one image pixel per input pixel


def _warp_mats(boxes):
    """(1, T, 2, 3) crop affines of (center, scale) boxes, key first."""
    return np.stack([
        get_warp_matrix(np.asarray(c, float), np.asarray(s, float), 0.0,
                        output_size=INPUT_SIZE) for c, s in boxes
    ])[None]


def _feats(num_frames=2, channels=3, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(1, num_frames, channels, FEAT_SIZE[1], FEAT_SIZE[0],
                       generator=gen)


def _resample(boxes, feats):
    affines = support_to_key_affines(_warp_mats(boxes), INPUT_SIZE,
                                     FEAT_SIZE)
    return resample_to_key(feats, affines), affines


def test_same_box_is_identity_and_key_frame_passes_untouched():
    feats = _feats(num_frames=3)
    boxes = [(KEY_CENTER, KEY_SCALE)] * 3
    out, affines = _resample(boxes, feats)
    eye = torch.eye(2, 3, dtype=torch.float64).expand(1, 3, 2, 3)
    torch.testing.assert_close(affines, eye, atol=1e-12, rtol=0)
    assert torch.equal(affines[:, 0], eye[:, 0])
    assert torch.equal(out[:, 0], feats[:, 0])
    torch.testing.assert_close(out, feats, atol=1e-5, rtol=0)


def test_integer_shift_of_two_feature_pixels():
    """Support box 8 image px (= 2 feature px) to the right: key feature
    column j reads support column j - 2; columns 0-1 read zeros."""
    feats = _feats()
    out, affines = _resample(
        [(KEY_CENTER, KEY_SCALE), (KEY_CENTER + [8.0, 0.0], KEY_SCALE)],
        feats)
    torch.testing.assert_close(
        affines[0, 1],
        torch.tensor([[1.0, 0, -2], [0, 1, 0]], dtype=torch.float64),
        atol=1e-9, rtol=0)
    support = feats[0, 1]
    torch.testing.assert_close(out[0, 1, ..., 2:], support[..., :-2],
                               atol=1e-5, rtol=0)
    assert out[0, 1, ..., :2].abs().max() < 1e-5
    # and vertically, 3 feature px up: row i reads row i + 3
    out, _ = _resample(
        [(KEY_CENTER, KEY_SCALE), (KEY_CENTER - [0.0, 12.0], KEY_SCALE)],
        feats)
    torch.testing.assert_close(out[0, 1, :, :-3], support[:, 3:],
                               atol=1e-5, rtol=0)
    assert out[0, 1, :, -3:].abs().max() < 1e-5


def test_integer_scale_half_and_double_box():
    feats = _feats()
    support = feats[0, 1]
    # a box half as large: the support is zoomed in 2x, so key feature
    # (i, j) reads support (2i - 8, 2j - 6) (the box centres coincide at
    # feature (8, 6)); outside that range zeros
    out, affines = _resample(
        [(KEY_CENTER, KEY_SCALE), (KEY_CENTER, KEY_SCALE / 2)], feats)
    torch.testing.assert_close(
        affines[0, 1],
        torch.tensor([[2.0, 0, -6], [0, 2, -8]], dtype=torch.float64),
        atol=1e-9, rtol=0)
    torch.testing.assert_close(out[0, 1, :, 4:12, 3:9],
                               support[:, 0:16:2, 0:12:2], atol=1e-5, rtol=0)
    inside = torch.zeros(16, 12, dtype=torch.bool)
    inside[4:12, 3:9] = True
    assert out[0, 1, :, ~inside].abs().max() < 1e-5
    # a box twice as large: key feature (i, j) reads support
    # (i / 2 + 4, j / 2 + 3): even (i, j) hit pixels, odd ones average
    # their two (or four) neighbours
    out, _ = _resample(
        [(KEY_CENTER, KEY_SCALE), (KEY_CENTER, KEY_SCALE * 2)], feats)
    torch.testing.assert_close(out[0, 1, :, 0::2, 0::2],
                               support[:, 4:12, 3:9], atol=1e-5, rtol=0)
    between = (support[:, 4:11, 3:9] + support[:, 5:12, 3:9]) / 2
    torch.testing.assert_close(out[0, 1, :, 1::2, 0::2][:, :7], between,
                               atol=1e-5, rtol=0)


def test_flipped_affines_resample_the_flipped_features():
    """F A F on index-flipped features = index-flipped resampling (exact
    at the feature level, for shift, scale and rotation alike)."""
    feats = _feats(num_frames=4)
    boxes = [(KEY_CENTER, KEY_SCALE), (KEY_CENTER + [8.0, 4.0], KEY_SCALE),
             (KEY_CENTER + [3.0, -5.0], KEY_SCALE * 1.3)]
    mats = np.concatenate([
        _warp_mats(boxes),
        get_warp_matrix(KEY_CENTER, KEY_SCALE, 10.0, INPUT_SIZE)[None, None]
    ], axis=1)
    affines = support_to_key_affines(mats, INPUT_SIZE, FEAT_SIZE)
    out = resample_to_key(feats, affines)
    out_flip = resample_to_key(feats.flip(-1),
                               flip_affines(affines, FEAT_SIZE[0]))
    torch.testing.assert_close(out_flip, out.flip(-1), atol=1e-5, rtol=0)
    assert torch.equal(flip_affines(affines, 12)[:, 0], affines[:, 0])


def test_gradients_reach_the_support_features():
    feats = _feats().requires_grad_()
    out, _ = _resample(
        [(KEY_CENTER, KEY_SCALE), (KEY_CENTER + [8.0, 0.0], KEY_SCALE)],
        feats)
    out.sum().backward()
    grad = feats.grad[0, 1]
    torch.testing.assert_close(grad[..., :-2], torch.ones_like(grad[..., :-2]),
                               atol=1e-5, rtol=0)  # each read once
    assert grad[..., -2:].abs().max() < 1e-5  # outside the key crop
    assert feats.grad[0, 0].eq(1).all()


def test_bad_input_names_what_was_expected():
    mats = _warp_mats([(KEY_CENTER, KEY_SCALE)] * 2)
    with pytest.raises(ValueError, match=r'warp_mats .*\(B, T, 2, 3\)'):
        support_to_key_affines(mats[0], INPUT_SIZE, FEAT_SIZE)
    with pytest.raises(ValueError, match='input_size'):
        support_to_key_affines(mats, (48, 0), FEAT_SIZE)
    with pytest.raises(ValueError, match=r'singular .* b = \[0\]'):
        support_to_key_affines(np.zeros((1, 2, 2, 3)), INPUT_SIZE, FEAT_SIZE)
    affines = support_to_key_affines(mats, INPUT_SIZE, FEAT_SIZE)
    with pytest.raises(ValueError, match=r'\(1, 3, 2, 3\)'):
        resample_to_key(_feats(num_frames=3), affines)
    with pytest.raises(ValueError, match=r'\(B, T, C, h, w\)'):
        resample_to_key(_feats()[0], affines)


def test_stack_frame_warp_mats_reads_and_checks_metainfo():
    mats = _warp_mats([(KEY_CENTER, KEY_SCALE)] * 3)[0]
    samples = [PoseDataSample(metainfo=dict(frame_warp_mats=mats))
               for _ in range(2)]
    stacked = stack_frame_warp_mats(samples, 3)
    assert stacked.shape == (2, 3, 2, 3) and stacked.dtype == torch.float64
    with pytest.raises(ValueError, match=r'\(3, 2, 3\).*data_samples\[1\] '
                       r'has shape \(2, 2, 3\)'):
        stack_frame_warp_mats(samples[:1] + [PoseDataSample(
            metainfo=dict(frame_warp_mats=mats[:2]))], 3)
    with pytest.raises(ValueError, match=r"data_samples\[0\] has none"):
        stack_frame_warp_mats([PoseDataSample()], 3)
