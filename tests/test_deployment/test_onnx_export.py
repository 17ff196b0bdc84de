# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""ONNX export of the three designs: files, deploy.json, checked graphs,
and heatmaps on ONNX Runtime equal to PyTorch's."""
import importlib.util
import json
import os
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.dataset import Compose
from mmpose.structures.bbox import get_warp_matrix

from fami_pose_mm.apis import VideoPoseInferencer
from fami_pose_mm.deployment import export_onnx, pipeline_input_size
from fami_pose_mm.deployment.graphs import example_inputs, graph_modules
from fami_pose_mm.deployment.onnx_graph import OnnxGraph
from fami_pose_mm.models.utils.deform_ops import ModulatedDeformConv
from fami_pose_mm.models.utils.crop_resample import (flip_affines,
                                                     support_to_key_affines)

onnx = pytest.importorskip('onnx')
pytestmark = pytest.mark.usefixtures('one_torch_thread')

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
GRAPHS = dict(single_frame=['image'], clip=['clip'],
              streaming=['backbone', 'neck_head'])


@pytest.mark.parametrize('design', list(GRAPHS))
def test_files_and_deploy_json(exports, design):
    _, _, out_dir = exports[design]
    assert sorted(os.listdir(out_dir)) == sorted(
        ['config.py', 'deploy.json'] + [f'{g}.onnx' for g in GRAPHS[design]])
    info = json.load(open(osp.join(out_dir, 'deploy.json')))
    assert info['design'] == design and list(info['graphs']) == GRAPHS[design]
    assert info['opset'] == 20 and info['deform_conv_backend'] == 'onnx'
    assert info['input_size'] == [48, 64]
    assert info['frame_offsets'] == ([] if design == 'single_frame' else
                                     [-1, 1])
    assert info['num_frames'] == (1 if design == 'single_frame' else 3)
    assert info['crop_mode'] == dict(single_frame=None, clip='key',
                                     streaming='own')[design]
    assert info['preprocessing'] == dict(
        mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True)
    assert info['codec'] == dict(type='MSRAHeatmap', input_size=[48, 64],
                                 heatmap_size=[12, 16], sigma=2)
    assert info['test_cfg'] == dict(flip_test=True, flip_mode='heatmap',
                                    shift_heatmap=True)
    assert info['flip_indices'][:7] == [0, 1, 2, 4, 3, 6, 5]  # PoseTrack18
    # the LCM's deform conv and the GTM's pooling were made exportable
    swapped = 0 if design == 'single_frame' else 1
    assert info['substitutions'] == dict(deform_convs=swapped,
                                         adaptive_pools=swapped)
    for name, spec in info['graphs'].items():
        model = onnx.load(osp.join(out_dir, spec['file']))
        onnx.checker.check_model(model, full_check=True)
        assert [o.version for o in model.opset_import if o.domain in ('', )
                ] == [20]
        first = model.graph.input[0].type.tensor_type.shape.dim[0]
        assert first.dim_param == 'batch'  # dynamic batch
        assert max(info['verified'][name].values()) < 1e-5
    if design == 'streaming':
        assert info['feature_size'] == [12, 16]
        assert info['graphs']['neck_head']['inputs'] == dict(
            feats=dict(shape=['batch', 3, 8, 16, 12], dtype='float32'),
            affines=dict(shape=['batch', 3, 2, 3], dtype='float64'))


@pytest.fixture(scope='module')
def torch_models(exports):
    """{design: the PyTorch model of the export}."""
    return {d: VideoPoseInferencer(cfg, ckpt, device='cpu').model
            for d, (cfg, ckpt, _) in exports.items()}


def _own_affines(batch: int) -> torch.Tensor:
    """(B, 3, 2, 3) feature affines of real crops: supporting boxes of
    the key box shifted by up to 30 px and scaled by 0.8-1.3."""
    rng = np.random.default_rng(0)
    mats = []
    for _ in range(batch):
        clip = []
        for t in range(3):
            center = np.array([200.0, 150.0]) + (rng.uniform(-30, 30, 2)
                                                 if t else 0)
            scale = np.array([90.0, 120.0]) * (rng.uniform(0.8, 1.3)
                                               if t else 1)
            clip.append(get_warp_matrix(center, scale, 0., (48, 64)))
        mats.append(np.stack(clip))
    return support_to_key_affines(np.stack(mats), (48, 64), (12, 16))


@pytest.mark.parametrize('design', list(GRAPHS))
def test_heatmaps_equal_pytorch(exports, torch_models, design):
    """Each graph at a batch size not traced (3), vs the unmodified
    PyTorch model (mmcv deform conv, adaptive pooling): within 1e-4; the
    neck graph also with real crop affines and their flipped form."""
    out_dir = exports[design][2]
    info = json.load(open(osp.join(out_dir, 'deploy.json')))
    modules = graph_modules(torch_models[design], design)
    inputs = example_inputs(design, 3, 3, (48, 64), (8, 16, 12), seed=5)
    if design == 'streaming':
        feats = inputs['neck_head'][0]
        affines = _own_affines(3)
        inputs['neck_flip'] = (feats, flip_affines(affines, 12))
        inputs['neck_head'] = (feats, affines)
    for name, args in inputs.items():
        graph_name = 'neck_head' if name == 'neck_flip' else name
        graph = OnnxGraph(out_dir, graph_name, info['graphs'][graph_name], 20)
        with torch.no_grad():
            want = modules[graph_name](*args)
        want = want if isinstance(want, tuple) else (want, )
        got = graph(*args)
        assert len(got) == len(want) == 1
        assert got[0].shape == want[0].shape
        assert want[0].abs().max() > 0.1  # not a trivial output
        np.testing.assert_allclose(got[0], want[0], rtol=0, atol=1e-4)


def test_export_cli(exports, tmp_path, capsys):
    """tools/deployment/export_onnx.py: the summary table, and
    --cfg-options reaching the config (flip test off)."""
    cfg, ckpt, _ = exports['single_frame']
    path = osp.join(ROOT, 'tools', 'deployment', 'export_onnx.py')
    spec = importlib.util.spec_from_file_location('export_onnx', path)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    out_dir = str(tmp_path / 'cli')
    info = tool.main([cfg, ckpt, out_dir, '--cfg-options',
                      'model.test_cfg.flip_test=False'])
    assert info['test_cfg']['flip_test'] is False
    out = capsys.readouterr().out
    assert 'single_frame design, opset 20' in out
    assert "| image.onnx | image ['batch', 3, 64, 48] | heatmaps ['batch', " \
        "17, 16, 12] |" in out
    assert osp.isfile(osp.join(out_dir, 'image.onnx'))


def _layers(model) -> dict:
    """Deform-conv kernels and adaptive pools of a model."""
    return dict(
        deform=[m.backend for m in model.modules()
                if isinstance(m, ModulatedDeformConv)],
        pools=sum(isinstance(m, torch.nn.AdaptiveAvgPool2d)
                  for m in model.modules()))


def test_export_takes_a_built_model_and_leaves_it_unchanged(exports,
                                                            tmp_path):
    """export_onnx gets the model and the pipeline's settings; the
    substitutions are made on a copy; bad settings fail before any work."""
    cfg, ckpt, _ = exports['clip']
    inferencer = VideoPoseInferencer(cfg, ckpt, device='cpu')
    model = inferencer.model
    settings = dict(frame_offsets=inferencer.frame_offsets,
                    input_size=pipeline_input_size(inferencer.pipeline))
    assert settings == dict(frame_offsets=(-1, 1), input_size=(48, 64))
    before = _layers(model)
    assert before['deform'] and before['pools']  # the LCM and the GTM
    clip = example_inputs('clip', 2, 3, (48, 64), (), seed=3)['clip'][0]
    with torch.no_grad():
        want = model._forward(clip)
    info = export_onnx(model, inferencer.cfg, str(tmp_path / 'clip'),
                       batch=1, **settings)
    assert info['substitutions'] == dict(deform_convs=1, adaptive_pools=1)
    assert _layers(model) == before
    with torch.no_grad():
        assert torch.equal(model._forward(clip), want)

    out_dir = str(tmp_path / 'bad')
    with pytest.raises(ValueError, match='batch must be >= 1, got 0'):
        export_onnx(model, inferencer.cfg, out_dir, batch=0, **settings)
    with pytest.raises(ValueError, match=r'frame_offsets \(-1,\) give 2 '
                       'frames per clip .* model.neck.num_frames is 3'):
        export_onnx(model, inferencer.cfg, out_dir, frame_offsets=(-1, ),
                    input_size=(48, 64))
    with pytest.raises(ValueError, match='0 is the key frame itself'):
        export_onnx(model, inferencer.cfg, out_dir, frame_offsets=(0, 1),
                    input_size=(48, 64))
    with pytest.raises(ValueError, match='needs the model on the CPU, got '
                       'it on meta'):
        export_onnx(model.to('meta'), inferencer.cfg, out_dir, **settings)
    assert not osp.exists(out_dir)
    with pytest.raises(ValueError, match='no step with an input_size'):
        pipeline_input_size(Compose([]))
