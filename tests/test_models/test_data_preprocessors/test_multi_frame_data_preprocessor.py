# Copyright (c) fami-pose-mm contributors. All rights reserved.
import pytest
import torch
from mmpose.structures import PoseDataSample

from fami_pose_mm.models.data_preprocessors import \
    MultiFramePoseDataPreprocessor


def _clip(t=3, h=4, w=5):
    clip = torch.zeros(t, 3, h, w, dtype=torch.uint8)
    clip[:, 0] = 10  # B
    clip[:, 1] = 20  # G
    clip[:, 2] = 30  # R
    clip[1:, 2] = 90  # supporting frames differ in R
    return clip


def test_bgr_to_rgb_and_normalise_every_frame():
    pre = MultiFramePoseDataPreprocessor(mean=(1, 2, 3), std=(1, 2, 4))
    samples = [PoseDataSample(metainfo=dict(img_path='a.jpg')) for _ in '12']
    out = pre(dict(inputs=[_clip(), _clip()], data_samples=samples))
    x = out['inputs']
    assert x.shape == (2, 3, 3, 4, 5) and x.dtype == torch.float32
    # channel 0 is R (30 key / 90 supporting), 1 is G, 2 is B
    assert torch.all(x[:, 0, 0] == (30 - 1) / 1)
    assert torch.all(x[:, 1:, 0] == (90 - 1) / 1)
    assert torch.all(x[:, :, 1] == (20 - 2) / 2)
    assert torch.all(x[:, :, 2] == (10 - 3) / 4)
    assert out['data_samples'][0].metainfo['batch_input_shape'] == (4, 5)


def test_key_frame_only_and_single_image():
    pre = MultiFramePoseDataPreprocessor(key_frame_only=True)
    out = pre(dict(inputs=[_clip(), _clip()], data_samples=None))
    assert out['inputs'].shape == (2, 3, 4, 5)
    single = MultiFramePoseDataPreprocessor()(
        dict(inputs=[_clip()[0]], data_samples=None))
    assert single['inputs'].shape == (1, 1, 3, 4, 5)


def test_bad_shapes_name_the_sample():
    pre = MultiFramePoseDataPreprocessor()
    samples = [PoseDataSample(metainfo=dict(img_path='v/000007.jpg'))]
    with pytest.raises(ValueError, match='000007.jpg'):
        pre(dict(inputs=[torch.zeros(3, 4, 4, 4)], data_samples=samples))
    with pytest.raises(ValueError, match='share'):
        pre(dict(inputs=[_clip(t=3), _clip(t=2)], data_samples=None))
