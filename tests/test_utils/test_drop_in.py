# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Drop-in configs: an MMPose single-frame heatmap config + checkpoint ->
a FAMI video model (configs/drop_in/, fami_pose_mm/utils/drop_in.py)."""
import copy
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS, MODELS

import fami_pose_mm.plugin  # noqa: F401  (registers)
from fami_pose_mm.testing.mmpose_models import (mmpose_config,
                                                save_single_frame_checkpoint)
from fami_pose_mm.utils.drop_in import video_config

init_default_scope('mmpose')
ROOT = Path(__file__).resolve().parents[2]
DROP_IN = ROOT / 'configs' / 'drop_in'
W48 = str(ROOT / 'configs' / 'fami_hrnet_w48_posetrack18.py')
PT18 = ROOT / 'tests' / 'data' / 'posetrack18'
SINGLE = 'body_2d_keypoint/topdown_heatmap/coco/td-hm_{}_coco-256x192.py'
# example -> (single-frame config, channels of the output the head reads)
EXAMPLES = {
    'fami_res50_posetrack18-256x192.py': ('res50_8xb64-210e', 2048),
    'fami_hrnet-w32_posetrack18-256x192.py': ('hrnet-w32_8xb64-210e', 32),
    'fami_litehrnet-18_posetrack18-256x192.py': ('litehrnet-18_8xb64-210e',
                                                 40),
}


def _single_frame_checkpoint(name: str, path: Path) -> torch.nn.Module:
    """The single-frame model (random weights), saved as mmengine does."""
    return save_single_frame_checkpoint(SINGLE.format(name), str(path))


def _assert_loaded(model: torch.nn.Module, single: torch.nn.Module) -> None:
    """No missing or unexpected keys: the video model's backbone, head and
    MI predictor hold the single-frame entries, the same values."""
    for part, src in (('backbone', single.backbone), ('head', single.head),
                      ('mi_predictor', single.head)):
        got, want = getattr(model, part).state_dict(), src.state_dict()
        assert set(got) == set(want), part
        for key in want:
            assert torch.equal(got[key], want[key]), (part, key)


def _with_checkpoint(cfg: Config, path: str) -> Config:
    for part in ('backbone', 'head', 'mi_predictor'):
        cfg.model[part].init_cfg.checkpoint = path
    return cfg


def test_examples_are_a_few_lines():
    assert set(EXAMPLES) <= {p.name for p in DROP_IN.glob('*.py')}
    for name in EXAMPLES:
        code = [line for line in (DROP_IN / name).read_text().splitlines()
                if line.strip() and not line.startswith('#')]
        assert len(code) <= 10, name


@pytest.mark.parametrize('example', sorted(EXAMPLES))
def test_example_loads_single_frame_checkpoint_trains_and_tests(
        example, tmp_path):
    single_name, channels = EXAMPLES[example]
    single = _single_frame_checkpoint(single_name, tmp_path / 'single.pth')
    cfg = _with_checkpoint(Config.fromfile(str(DROP_IN / example)),
                           str(tmp_path / 'single.pth'))
    assert cfg.model.type == 'VideoTopdownPoseEstimator'
    assert cfg.model.neck.num_frames == 1 + len(cfg.frame_offsets)
    assert cfg.model.neck.in_channels == channels
    # the single-frame codec reaches the data and the head
    assert cfg.codec['input_size'] == (192, 256)
    affine = [t for t in cfg.train_dataloader.dataset.pipeline
              if t['type'] == 'TopdownAffine'][0]
    assert affine['input_size'] == (192, 256)
    assert cfg.model.head.decoder['heatmap_size'] == (48, 64)
    # the COCO loader and metric are gone, the PoseTrack ones in place
    assert cfg.val_dataloader.dataset.type == 'PoseTrackVideoDataset'
    assert 'data/coco' not in cfg.pretty_text
    assert cfg.val_evaluator.type == 'PoseTrackAPMetric'
    # what the runner writes to the work dir reads back the same
    cfg.dump(str(tmp_path / 'dumped.py'))
    assert Config.fromfile(str(tmp_path / 'dumped.py')).model == cfg.model

    model = MODELS.build(cfg.model)
    model.init_weights()
    _assert_loaded(model, single)
    # the neck reads the channels the backbone gives
    with torch.no_grad():
        feats = model.extract_clip_feats(torch.zeros(1, 5, 3, 64, 64))
    assert feats.shape[2] == channels == model.neck.in_channels

    dataset_cfg = copy.deepcopy(cfg.val_dataloader.dataset)
    dataset_cfg.update(
        data_root=str(PT18), bbox_file=None, frame_name_template='{:06d}.jpg',
        ann_file=str(PT18 / 'annotations' / 'test_posetrack18_clip.json'))
    dataset_cfg.pipeline = cfg.train_dataloader.dataset.pipeline
    dataset_cfg.pipeline = [t for t in dataset_cfg.pipeline
                            if not t['type'].startswith('Random')]
    dataset = DATASETS.build(dataset_cfg)
    data = pseudo_collate([dataset[0], dataset[1]])
    assert data['inputs'][0].shape == (5, 3, 256, 192)
    optim = OptimWrapper(torch.optim.Adam(
        [p for p in model.parameters() if p.requires_grad], lr=1e-4))
    backbone_before = copy.deepcopy(model.backbone.state_dict())
    log_vars = model.train_step(copy.deepcopy(data), optim)
    assert torch.isfinite(log_vars['loss'])
    assert {'loss_kpt', 'loss_kpt_aux'} <= set(log_vars)
    # the backbone is frozen (weights and BN statistics), the neck trains
    for key, value in model.backbone.state_dict().items():
        assert torch.equal(value, backbone_before[key]), key
    results = model.val_step(copy.deepcopy(data))
    assert results[0].pred_instances.keypoints.shape == (1, 17, 2)


def _build_random(out: dict) -> torch.nn.Module:
    """The model of a :func:`video_config` result, without checkpoint."""
    model = copy.deepcopy(out['model'])
    model.pop('_delete_')
    for part in ('backbone', 'head', 'mi_predictor'):
        model[part]['init_cfg'] = None
    return MODELS.build(model)


def test_several_backbone_outputs_use_the_one_the_head_reads():
    cfg = mmpose_config(SINGLE.format('res50_8xb64-210e'))
    cfg.model.backbone.out_indices = (2, 3)  # 1024 and 2048 channels
    model = _build_random(video_config(cfg, checkpoint='x.pth', video=W48))
    with torch.no_grad():
        feats = model.extract_clip_feats(torch.zeros(1, 5, 3, 64, 64))
    assert feats.shape[2] == 2048 == model.head.in_channels


def test_bad_single_frame_configs_name_the_setting():
    rtm = mmpose_config('body_2d_keypoint/rtmpose/coco/'
                         'rtmpose-t_8xb256-420e_coco-256x192.py')
    with pytest.raises(ValueError, match='RTMCCHead.*SimCC'):
        video_config(rtm, checkpoint='x.pth', video=W48)
    cfg = mmpose_config(SINGLE.format('res50_8xb64-210e'))
    del cfg.model.head['in_channels']
    with pytest.raises(ValueError, match='model.head.in_channels'):
        video_config(cfg, checkpoint='x.pth', video=W48)
    with pytest.raises(ValueError, match='checkpoint'):
        video_config(cfg, checkpoint='', video=W48)


def test_wrong_neck_channels_name_the_setting():
    cfg = mmpose_config(SINGLE.format('hrnet-w32_8xb64-210e'))
    model = _build_random(
        video_config(cfg, checkpoint='x.pth', video=W48, neck_channels=48))
    with pytest.raises(ValueError, match='48.*32.*model.neck.in_channels'):
        model.neck_forward(torch.zeros(1, 5, 3, 64, 64))


@pytest.mark.parametrize('frame_deconvs', [None, 2])
def test_neck_after_head_deconvs_loads_the_same_checkpoint(
        tmp_path, frame_deconvs):
    """``neck_input='head_deconv'`` on SimpleBaseline: the neck fuses the
    256-channel features after all three deconvolutions (8x upsampled) or
    the first two (``frame_deconvs=2``, 4x; the third decodes in the head);
    every checkpoint entry loads and the split model is the single-frame
    one."""
    single = _single_frame_checkpoint('res50_8xb64-210e',
                                      tmp_path / 'single.pth')
    cfg = mmpose_config(SINGLE.format('res50_8xb64-210e'))
    out = video_config(cfg, checkpoint=str(tmp_path / 'single.pth'),
                       video=W48, neck_input='head_deconv',
                       frame_deconvs=frame_deconvs)
    assert out['model']['neck_input'] == 'head_deconv'
    assert out['model'].get('frame_deconvs') == frame_deconvs
    assert out['model']['neck']['in_channels'] == 256
    model_cfg = copy.deepcopy(out['model'])
    model_cfg.pop('_delete_')
    model = MODELS.build(model_cfg)
    model.init_weights()
    _assert_loaded(model, single)
    single.eval()
    model.eval()
    crops = torch.randn(2, 3, 64, 64)
    end = 3 * (frame_deconvs or 3)
    with torch.no_grad():
        feats = model.frame_features(crops)
        # the per-frame part is the single-frame model up to its final
        # layer, or up to its third deconvolution
        want = single.head.deconv_layers[:end](single.backbone(crops)[-1])
        size = 16 if frame_deconvs is None else 8
        assert feats.shape == (2, 256, size, size)
        torch.testing.assert_close(feats, want)
        torch.testing.assert_close(model.head.forward((feats, )),
                                   single.head.forward(single.backbone(
                                       crops)))
    if frame_deconvs:
        with pytest.raises(ValueError,
                           match=r'frame_deconvs.*1 to the number of '
                           r'deconvolution layers of model.head \(3\), got 4'):
            video_config(cfg, checkpoint='x.pth', video=W48,
                         neck_input='head_deconv', frame_deconvs=4)
