# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""A video model built from a single-frame model starts as that model: its
heatmaps equal the single-frame model's (random weights, max abs
difference <= 1e-6) on the clip path, in streaming and on ONNX Runtime,
for the tiny test model, the W48 config and each drop-in example config
(``FAMINeck(gate=True)``, set by configs/_base_/models/fami_hrnet_w48.py)."""
import copy
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample
from mmpose.structures.bbox import get_warp_matrix

import fami_pose_mm.plugin  # noqa: F401  (registers)
from fami_pose_mm.testing import tiny_fami_model, tiny_single_frame_model
from fami_pose_mm.testing.mmpose_models import mmpose_config

init_default_scope('mmpose')
pytestmark = pytest.mark.usefixtures('one_torch_thread')
ROOT = Path(__file__).resolve().parents[2]
TOL = 1e-6
CROP = (64, 96)  # (W, H) of the test crops (HRNet-W48: multiples of 32)
SINGLE = 'body_2d_keypoint/topdown_heatmap/coco/td-hm_{}_coco-256x192.py'
DROP_IN = {
    'fami_res50_posetrack18-256x192.py': 'res50_8xb64-210e',
    'fami_hrnet-w32_posetrack18-256x192.py': 'hrnet-w32_8xb64-210e',
    'fami_litehrnet-18_posetrack18-256x192.py': 'litehrnet-18_8xb64-210e',
}


def _no_init(model: dict) -> dict:
    """A model config without pretrained weights (random init)."""
    model = copy.deepcopy(model)
    model.pop('_delete_', None)
    for part in ('backbone', 'head', 'mi_predictor'):
        if isinstance(model.get(part), dict):
            model[part]['init_cfg'] = None
    return model


def _single_of(video: dict) -> dict:
    """The single-frame model with the video model's backbone and head."""
    norm = {k: v for k, v in video['data_preprocessor'].items()
            if k in ('mean', 'std', 'bgr_to_rgb')}
    return dict(type='TopdownPoseEstimator', backbone=video['backbone'],
                head=video['head'], test_cfg=dict(flip_test=False),
                data_preprocessor=dict(type='PoseDataPreprocessor', **norm))


def _pair(name: str):
    """(video model config, single-frame model config) of a case."""
    if name == 'tiny':
        video = tiny_fami_model(num_frames=5)
        video['neck']['gate'] = True
        return video, tiny_single_frame_model()
    if name == 'w48':
        cfg = Config.fromfile(
            str(ROOT / 'configs' / 'fami_hrnet_w48_posetrack18.py'))
        video = _no_init(cfg.to_dict()['model'])
        return video, _single_of(video)
    cfg = Config.fromfile(str(ROOT / 'configs' / 'drop_in' / name))
    video = _no_init(cfg.to_dict()['model'])
    single = mmpose_config(SINGLE.format(DROP_IN[name])).to_dict()['model']
    return video, _no_init(single)


def _build(name: str):
    """The video model (gate closed) and the single-frame model, the
    latter holding the video model's backbone and head weights; eval;
    and the video model's config."""
    video_cfg, single_cfg = _pair(name)
    assert video_cfg['neck']['gate'] is True
    torch.manual_seed(0)
    video = MODELS.build(video_cfg)
    single = MODELS.build(single_cfg)
    with torch.no_grad():  # non-trivial BN statistics
        for m in video.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
    for part in ('backbone', 'head'):
        getattr(single, part).load_state_dict(
            getattr(video, part).state_dict())
    pipeline = [dict(type='TopdownAffine', input_size=CROP)]
    return video.eval(), single.eval(), Config(dict(
        model=video_cfg, test_dataloader=dict(dataset=dict(
            pipeline=pipeline))))


def _own_warp_mats(batch: int, num_frames: int) -> np.ndarray:
    """(B, T, 2, 3) crop affines: supporting boxes of the key box shifted
    by up to 30 px and scaled by 0.8-1.3."""
    rng = np.random.default_rng(0)
    mats = np.zeros((batch, num_frames, 2, 3))
    for b in range(batch):
        for t in range(num_frames):
            center = np.array([200.0, 150.0]) + (
                rng.uniform(-30, 30, 2) if t else 0)
            scale = np.array([90.0, 120.0]) * (
                rng.uniform(0.8, 1.3) if t else 1)
            mats[b, t] = get_warp_matrix(center, scale, 0., CROP)
    return mats


def _streaming_heatmaps(video, clip: torch.Tensor) -> torch.Tensor:
    """Own crops: per-frame features, resampled into the key crop, the
    neck and the head (what the streaming predictor runs)."""
    video.crop_mode = 'own'
    feats = video.extract_clip_feats(clip)
    samples = [PoseDataSample(metainfo=dict(input_size=CROP))
               for _ in range(len(clip))]
    fused = video.neck_from_features(
        feats, samples, _own_warp_mats(*clip.shape[:2]))['fused']
    video.crop_mode = 'key'
    return video.head.forward((fused, ))


def _onnx_heatmaps(video, single, cfg, clip, tmp_path) -> dict:
    """Heatmaps of the exported graphs on ONNX Runtime: ``single`` (image
    graph of the single-frame model), ``clip`` (clip design) and
    ``streaming`` (backbone and neck-head graphs)."""
    from fami_pose_mm.deployment import export_onnx
    from fami_pose_mm.deployment.onnx_graph import OnnxGraph
    from fami_pose_mm.models.utils.crop_resample import support_to_key_affines

    def export(model, design, frame_offsets):
        model.dataset_meta = dict(flip_indices=[])
        folder = str(tmp_path / design)
        info = export_onnx(model, cfg, folder, frame_offsets=frame_offsets,
                           input_size=CROP, batch=1)
        return {name: OnnxGraph(folder, name, spec, info['opset'])
                for name, spec in info['graphs'].items()}

    b, t = clip.shape[:2]
    offsets = tuple(range(1, t))
    out = dict(single=export(single, 'single', ())['image'](clip[:, 0])[0])
    out['clip'] = export(video, 'clip', offsets)['clip'](clip)[0]
    video.crop_mode = 'own'
    graphs = export(video, 'streaming', offsets)
    video.crop_mode = 'key'
    feats = graphs['backbone'](clip.flatten(0, 1))[0]
    feats = feats.reshape(b, t, *feats.shape[1:])
    affines = support_to_key_affines(_own_warp_mats(b, t), CROP,
                                     feats.shape[:2:-1])
    out['streaming'] = graphs['neck_head'](feats, affines)[0]
    return out


CASES = ['tiny', 'w48'] + sorted(DROP_IN)


@pytest.mark.parametrize('name', CASES)
def test_video_model_starts_as_its_single_frame_model(name, tmp_path):
    video, single, cfg = _build(name)
    torch.manual_seed(1)
    clip = torch.randn(2, video.neck.num_frames, 3, CROP[1], CROP[0])
    with torch.no_grad():
        want = single._forward(clip[:, 0])
        clip_path = video._forward(clip)
        streaming = _streaming_heatmaps(video, clip)
        # the supporting frames do reach the neck: open the gate
        video.neck.gate.weight.fill_(0.5)
        opened = video._forward(clip)
        video.neck.gate.weight.zero_()
    assert want.abs().max() > 1e-3  # not a trivial output
    assert (clip_path - want).abs().max() <= TOL
    assert (streaming - want).abs().max() <= TOL
    assert (opened - want).abs().max() > 1e-4
    if 'litehrnet' in name:
        # MMPose's Lite-HRNet computes an adaptive pooling size from the
        # input, which the ONNX exporter refuses: no export of it, single
        # frame or video (docs/inference.md, ONNX limits)
        with pytest.raises(Exception, match='adaptive pooling'):
            _onnx_heatmaps(video, single, cfg, clip, tmp_path)
        return
    onnx = _onnx_heatmaps(video, single, cfg, clip, tmp_path)
    assert (onnx['single'] - want).abs().max() < 1e-4  # ORT vs PyTorch
    assert (onnx['clip'] - onnx['single']).abs().max() <= TOL
    assert (onnx['streaming'] - onnx['single']).abs().max() <= TOL
