# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Bad exports and options get errors that name the file and what was
expected."""
import json
import os
import os.path as osp
import shutil

import pytest
import torch
from deploy_test_utils import export_design

from fami_pose_mm.apis import VideoPoseInferencer
from fami_pose_mm.deployment import OnnxPoseModel
from fami_pose_mm.deployment.onnx_graph import OnnxGraph

onnx = pytest.importorskip('onnx')
pytestmark = pytest.mark.usefixtures('one_torch_thread')


def _copy(src: str, dst) -> str:
    shutil.copytree(src, str(dst))
    return str(dst)


def test_unknown_backend_and_no_export(exports, tmp_path):
    cfg, ckpt, _ = exports['clip']
    with pytest.raises(ValueError, match="backend must be one of "
                       r"\('pytorch', 'onnxruntime'\), got 'tensorrt'"):
        VideoPoseInferencer(cfg, ckpt, backend='tensorrt')
    with pytest.raises(ValueError, match='give its folder'):
        VideoPoseInferencer(cfg, None, backend='onnxruntime')
    with pytest.raises(FileNotFoundError,
                       match=f'{tmp_path} is not an ONNX export folder '
                       r'\(no deploy.json\)'):
        VideoPoseInferencer(cfg, str(tmp_path), backend='onnxruntime')
    with pytest.raises(FileNotFoundError, match='deploy.json is missing'):
        OnnxPoseModel(str(tmp_path))


def test_missing_graph(exports, tmp_path):
    cfg, _, out_dir = exports['streaming']
    broken = _copy(out_dir, tmp_path / 'broken')
    os.remove(osp.join(broken, 'neck_head.onnx'))
    with pytest.raises(FileNotFoundError,
                       match=r'ONNX graph .*broken/neck_head.onnx is missing'
                       r".*graph 'neck_head' \(inputs feats \['batch', 3, 8, "
                       r"16, 12\] float32, affines \['batch', 3, 2, 3\] "
                       r'float64\)'):
        VideoPoseInferencer(cfg, broken, backend='onnxruntime')


def test_graph_of_another_config(exports, tmp_path):
    """A clip graph of T = 5 frames in the export of a T = 3 model."""
    _, _, other = export_design(tmp_path, 'clip', (-2, -1, 1, 2))
    cfg, _, out_dir = exports['clip']
    mixed = _copy(out_dir, tmp_path / 'mixed')
    shutil.copy(osp.join(other, 'clip.onnx'), osp.join(mixed, 'clip.onnx'))
    with pytest.raises(ValueError,
                       match=r'mixed/clip.onnx does not match deploy.json: '
                       r"inputs clip \['batch', 5, 3, 64, 48\] tensor\(float\)"
                       r", expected clip \['batch', 3, 3, 64, 48\] float32; "
                       'the graph comes from another export'):
        VideoPoseInferencer(cfg, mixed, backend='onnxruntime')
    # the config of one design with the export of another
    own_cfg = exports['streaming'][0]
    with pytest.raises(ValueError, match=r"deploy.json was exported from "
                       r"another config \(crop_mode: export 'key', config "
                       r"'own'\)"):
        VideoPoseInferencer(own_cfg, out_dir, backend='onnxruntime')


def test_opset_onnxruntime_cannot_run(exports, tmp_path):
    cfg, _, out_dir = exports['single_frame']
    future = _copy(out_dir, tmp_path / 'future')
    path = osp.join(future, 'image.onnx')
    model = onnx.load(path)
    model.opset_import[0].version = 99
    onnx.save(model, path)
    with pytest.raises(ValueError,
                       match=r'ONNX Runtime \S+ cannot load .*future/image.onnx'
                       r' \(opset 99; deploy.json states opset 20\).*opset'):
        VideoPoseInferencer(cfg, future, backend='onnxruntime')


def test_bad_json_and_input_shape(exports, tmp_path):
    cfg, _, out_dir = exports['clip']
    old = _copy(out_dir, tmp_path / 'old')
    info = json.load(open(osp.join(old, 'deploy.json')))
    json.dump(dict(info, format_version=0),
              open(osp.join(old, 'deploy.json'), 'w'))
    with pytest.raises(ValueError, match='has format_version 0, this '
                       'version reads 1'):
        OnnxPoseModel(old)
    graph = OnnxGraph(out_dir, 'clip', info['graphs']['clip'], 20)
    with pytest.raises(ValueError, match=r'clip.onnx: input clip must have '
                       r"shape \['batch', 3, 3, 64, 48\], got \[2, 5, 3, 64, "
                       r'48\]'):
        graph(torch.zeros(2, 5, 3, 64, 48))
    # frame offsets of another length than the graph's T
    with pytest.raises(ValueError, match='frame'):
        VideoPoseInferencer(cfg, out_dir, backend='onnxruntime',
                            frame_offsets=(-2, -1, 1, 2))


def test_providers_and_threads(monkeypatch):
    """--device cuda takes ONNX Runtime's CUDA provider when it has one,
    else warns and uses the CPU; sessions use torch's thread count."""
    import onnxruntime

    from fami_pose_mm.deployment import backend
    assert backend.providers('cpu') == ['CPUExecutionProvider']
    monkeypatch.setattr(onnxruntime, 'get_available_providers',
                        lambda: ['CPUExecutionProvider'])
    with pytest.warns(UserWarning, match='no CUDAExecutionProvider'):
        assert backend.providers('cuda:1') == ['CPUExecutionProvider']
    monkeypatch.setattr(onnxruntime, 'get_available_providers',
                        lambda: ['CUDAExecutionProvider',
                                 'CPUExecutionProvider'])
    assert backend.providers('cuda:1') == [
        ('CUDAExecutionProvider', dict(device_id=1)), 'CPUExecutionProvider']
    assert backend.session_options().intra_op_num_threads == 1
    torch.set_num_threads(2)
    assert backend.session_options().intra_op_num_threads == 2


def test_checkpoint_and_export_folder_mixed_up(exports, tmp_path):
    """Before, both said "does not exist" of a path that exists."""
    cfg, ckpt, out_dir = exports['clip']
    with pytest.raises(ValueError, match=r'is a folder \(an ONNX export: run '
                       "it with backend='onnxruntime'"):
        VideoPoseInferencer(cfg, out_dir)
    with pytest.raises(ValueError, match='is a folder, not a checkpoint file'):
        VideoPoseInferencer(cfg, str(tmp_path))
    with pytest.raises(ValueError, match=r"backend='onnxruntime': .* is a "
                       'file; it runs the folder'):
        VideoPoseInferencer(cfg, ckpt, backend='onnxruntime')


def test_opset_the_model_cannot_use(exports, tmp_path):
    """Before, --opset 11 ended in a raw torch traceback and left an empty
    folder."""
    import importlib.util
    cfg, ckpt, _ = exports['clip']  # GTM: affine_grid needs opset 20
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    spec = importlib.util.spec_from_file_location(
        'export_onnx', osp.join(root, 'tools', 'deployment', 'export_onnx.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    out = tmp_path / 'opset11'
    with pytest.raises(ValueError, match=r'clip.onnx cannot be written at '
                       r'opset 11: .*; export at opset 20'):
        tool.main([cfg, ckpt, str(out), '--opset', '11'])
    assert not out.exists()
    with pytest.raises(ValueError, match=r'opset 30: the exporter writes '
                       r'opsets 7-20'):
        tool.main([cfg, ckpt, str(out), '--opset', '30'])
