# Copyright (c) fami-pose-mm contributors. All rights reserved.
import importlib.util
import os.path as osp

from mmengine.config import Config

from fami_pose_mm.testing import tiny_pose_config

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _tool():
    path = osp.join(ROOT, 'tools', 'analysis', 'benchmark_inference.py')
    spec = importlib.util.spec_from_file_location('benchmark_inference', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_smoke_run(capsys, tmp_path):
    tool = _tool()
    fami, single = tool.tiny_configs()
    fami.dump(str(tmp_path / 'fami.py'))
    single.dump(str(tmp_path / 'single.py'))
    result = tool.main(['--fami-config', str(tmp_path / 'fami.py'),
                        '--single-config', str(tmp_path / 'single.py'),
                        '--num-frames', '2', '--size', '96', '64',
                        '--persons', '1'])
    assert result['fami_frames_per_clip'] == 5
    assert result['single_frames_per_clip'] == 1
    assert result['fami'] > 0 and result['single'] > 0
    assert '| fami | 5 |' in capsys.readouterr().out
    assert fami.model.backbone == single.model.backbone
    # the tool's tiny models are the shared definition
    assert fami.model == Config(tiny_pose_config((-2, -1, 1, 2))).model
    assert single.model == Config(tiny_pose_config(multi_frame=False)).model


def test_online_config_uses_past_frames_only():
    cfg = Config.fromfile(osp.join(
        ROOT, 'configs', 'inference',
        'fami_hrnet_w48_online-2-1_posetrack18.py'))
    offsets = cfg.test_dataloader.dataset.frame_offsets
    assert tuple(offsets) == (-2, -1)
    assert cfg.model.neck.num_frames == 3
    assert cfg.train_dataloader.dataset.frame_offsets == offsets
