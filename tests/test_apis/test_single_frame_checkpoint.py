# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""VideoPoseInferencer with a drop-in config and the single-frame
checkpoint it was made from, before any video training: the single-frame
model's poses (equal to MMPoseInferencer's) and keypoints, plus track ids,
streaming and the rendered video."""
import os.path as osp
from pathlib import Path

import numpy as np
import pytest
import torch
from apis_test_utils import CLIP_MP4, count_video_frames, tiny_pose_config
from mmengine.registry import init_default_scope
from mmpose.apis import MMPoseInferencer
from mmpose.registry import MODELS

from fami_pose_mm.apis import VideoPoseInferencer
from fami_pose_mm.apis.frame_drawing import scalar_circle_radius
from fami_pose_mm.testing import tiny_single_frame_model
from fami_pose_mm.testing.mmpose_models import save_single_frame_checkpoint

pytestmark = pytest.mark.usefixtures('one_torch_thread')
ROOT = Path(__file__).resolve().parents[2]
RES50 = ('body_2d_keypoint/topdown_heatmap/coco/'
         'td-hm_res50_8xb64-210e_coco-256x192.py')
W48 = ROOT / 'configs' / 'fami_hrnet_w48_posetrack18.py'
FLIP_OFF = "model = dict(test_cfg=dict(flip_test=False))\n"


@pytest.fixture(scope='module')
def res50_files(tmp_path_factory):
    """A COCO ResNet-50 SimpleBaseline checkpoint (seeded random weights,
    BN statistics moved off their defaults, saved without a dataset meta
    as some published checkpoints are), its config with the flip test
    off, and drop-in configs on it with key and own crops."""
    tmp = tmp_path_factory.mktemp('res50')
    ckpt = str(tmp / 'res50_coco.pth')
    save_single_frame_checkpoint(RES50, ckpt)
    files = dict(ckpt=ckpt, single=str(tmp / 'single.py'))
    Path(files['single']).write_text(
        f"_base_ = ['mmpose::{RES50}']\n" + FLIP_OFF)
    for crop_mode in ('key', 'own'):
        path = str(tmp / f'video_{crop_mode}.py')
        Path(path).write_text(
            f"_base_ = ['mmpose::{RES50}']\n"
            'from fami_pose_mm.utils.drop_in import video_config  # noqa\n'
            f"locals().update(video_config(_base_, checkpoint={ckpt!r}, "
            f"video={str(W48)!r}, crop_mode={crop_mode!r}))\n")
        files[crop_mode] = str(tmp / f'video_{crop_mode}_flip_off.py')
        Path(files[crop_mode]).write_text(
            f'_base_ = [{path!r}]\n' + FLIP_OFF)
    return files


def _mmpose_keypoints(files) -> list:
    """MMPoseInferencer's keypoints and scores per frame of the clip."""
    inferencer = MMPoseInferencer(pose2d=files['single'],
                                  pose2d_weights=files['ckpt'],
                                  det_model='whole_image', device='cpu')
    scalar_circle_radius(inferencer.inferencer.visualizer)
    return [result['predictions'][0]
            for result in inferencer(CLIP_MP4, return_vis=False)]


@pytest.mark.parametrize('crop_mode', ['key', 'own'])
def test_drop_in_with_single_frame_checkpoint_gives_its_poses(
        res50_files, crop_mode, tmp_path):
    theirs = _mmpose_keypoints(res50_files)
    inferencer = VideoPoseInferencer(
        res50_files[crop_mode], res50_files['ckpt'],
        det_model='whole_image', device='cpu')
    assert inferencer.streaming is (crop_mode == 'own')
    # the COCO model keeps COCO's keypoints, not PoseTrack's names
    meta = inferencer.model.dataset_meta
    assert meta['dataset_name'] == 'coco'
    assert meta['keypoint_id2name'][1] == 'left_eye'
    assert meta['flip_indices'][:5] == [0, 2, 1, 4, 3]
    out_dir = str(tmp_path / 'out')
    ours = list(inferencer(CLIP_MP4, out_dir=out_dir))
    assert len(ours) == len(theirs) == 5
    for mine, result in zip(ours, theirs):
        (person, ) = mine['predictions'][0]
        (want, ) = result
        assert person['track_id'] == 0
        np.testing.assert_allclose(person['keypoints'], want['keypoints'],
                                   atol=1e-3)
        np.testing.assert_allclose(person['keypoint_scores'],
                                   want['keypoint_scores'], atol=1e-6)
    video = osp.join(out_dir, 'visualizations', osp.basename(CLIP_MP4))
    assert count_video_frames(video)[0] == 5


def _tiny_video_files(tmp_path, gate: bool):
    """The tiny video config (neck gate on or off) and a checkpoint of
    the tiny single-frame model (``backbone.*``, ``head.*``)."""
    cfg = tiny_pose_config(multi_frame=True)
    cfg.model.neck.gate = gate
    cfg_path = str(tmp_path / f'video_gate_{gate}.py')
    cfg.dump(cfg_path)
    init_default_scope('mmpose')
    torch.manual_seed(0)
    single = MODELS.build(tiny_single_frame_model())
    ckpt = str(tmp_path / 'single.pth')
    torch.save(dict(state_dict=single.state_dict(), meta=dict()), ckpt)
    return cfg_path, ckpt, single.state_dict()


def test_single_frame_checkpoint_completed_or_refused(tmp_path):
    cfg_path, ckpt, state = _tiny_video_files(tmp_path, gate=True)
    model = VideoPoseInferencer(cfg_path, ckpt, device='cpu').model
    # backbone and head loaded, the MI predictor a copy of the head, the
    # gate closed
    for key, value in state.items():
        assert torch.equal(model.state_dict()[key], value), key
        if key.startswith('head.'):
            twin = 'mi_predictor.' + key[len('head.'):]
            if twin in model.state_dict():
                assert torch.equal(model.state_dict()[twin], value)
    assert not model.neck.gate.weight.any()
    # a neck without the gate would not start as the single-frame model
    no_gate, _, _ = _tiny_video_files(tmp_path, gate=False)
    with pytest.raises(ValueError, match=r'no neck\.\* entries.*'
                       r'model\.neck\.gate=True'):
        VideoPoseInferencer(no_gate, ckpt, device='cpu')
    # only the neck and the MI predictor may be missing, the neck whole
    full = VideoPoseInferencer(cfg_path, ckpt, device='cpu').model
    neck_key = next(k for k in full.state_dict()
                    if k.startswith('neck.') and '.gate.' not in k)
    for drop in ('head.final_layer.bias', neck_key):
        broken = {k: v for k, v in full.state_dict().items() if k != drop}
        torch.save(dict(state_dict=broken, meta=dict()),
                   str(tmp_path / 'broken.pth'))
        with pytest.raises(ValueError, match=f'1 missing in checkpoint: '
                           f'{drop}'):
            VideoPoseInferencer(cfg_path, str(tmp_path / 'broken.pth'),
                                device='cpu')


def test_video_checkpoint_of_an_ungated_neck_loads_with_the_gate_open(
        tmp_path):
    """A video checkpoint trained without the gate is that neck with the
    gate open (g = 1): same heatmaps as the ungated model, with a warning;
    also through DDP's ``module.`` prefix."""
    ungated, _, _ = _tiny_video_files(tmp_path, gate=False)
    gated, _, _ = _tiny_video_files(tmp_path, gate=True)
    init_default_scope('mmpose')
    torch.manual_seed(1)
    old = VideoPoseInferencer(ungated, None, device='cpu').model
    for prefix in ('', 'module.'):
        path = str(tmp_path / f'ungated{prefix}.pth')
        torch.save(dict(state_dict={prefix + k: v for k, v in
                                    old.state_dict().items()}, meta={}), path)
        with pytest.warns(UserWarning, match='gate open'):
            new = VideoPoseInferencer(gated, path, device='cpu').model
        assert torch.equal(new.neck.gate.weight,
                           torch.ones_like(new.neck.gate.weight))
        clip = torch.randn(2, 3, 3, 64, 48)
        with torch.no_grad():
            torch.testing.assert_close(new._forward(clip), old._forward(clip))
