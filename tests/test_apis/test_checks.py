# Copyright (c) fami-pose-mm contributors. All rights reserved.
import pytest
import torch.nn as nn

from fami_pose_mm.apis.checks import (check_writable_dir, resolve_config_path,
                                      state_dict_mismatch)


def test_resolve_config_path(tmp_path):
    path = resolve_config_path('mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py')
    assert path.endswith('rtmdet_tiny_8xb32-300e_coco.py')
    path = resolve_config_path(
        'mmpose::demo/mmdetection_cfg/rtmdet_m_640-8xb32_coco-person.py')
    assert path.endswith('rtmdet_m_640-8xb32_coco-person.py')
    with pytest.raises(FileNotFoundError, match='nothing.py'):
        resolve_config_path('mmdet::nothing.py')
    with pytest.raises(FileNotFoundError, match='not installed'):
        resolve_config_path('nopackage_xyz::a.py')


def test_state_dict_mismatch():
    model = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    state = {f'module.{k}': v for k, v in model.state_dict().items()}
    assert state_dict_mismatch(model, state) == ''
    state.pop('module.1.bias')
    state['module.0.weight'] = state['module.0.weight'][:1]
    state['x'] = 1
    assert state_dict_mismatch(model, state).split('\n') == [
        '1 missing in checkpoint: 1.bias',
        '1 unexpected in checkpoint: x',
        '1 shape mismatch (checkpoint vs model): 0.weight (1, 2) vs (3, 2)']


def test_check_writable_dir(tmp_path):
    assert check_writable_dir(str(tmp_path / 'a' / 'b')) == str(
        tmp_path / 'a' / 'b')
    (tmp_path / 'f').write_text('')
    with pytest.raises(PermissionError, match='f/out is not writable'):
        check_writable_dir(str(tmp_path / 'f' / 'out'))
