# Copyright (c) fami-pose-mm contributors. All rights reserved.
import pytest
import torch
import torch.nn as nn

from fami_pose_mm.apis.checks import (check_device, check_writable_dir,
                                      check_writable_file,
                                      resolve_config_path,
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
    with pytest.raises(FileNotFoundError, match=r'config http://h/c.py: .*'
                       'not from a URL'):
        resolve_config_path('http://h/c.py')


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


def test_check_writable_file(tmp_path):
    # Before, only the folder was checked: a JSON target that is a folder
    # failed at the very end of the run.
    target = str(tmp_path / 'new' / 'out.json')
    assert check_writable_file(target) == target
    assert not (tmp_path / 'new' / 'out.json').exists()  # not left behind
    (tmp_path / 'old.json').write_text('keep')
    check_writable_file(str(tmp_path / 'old.json'))
    assert (tmp_path / 'old.json').read_text() == 'keep'
    (tmp_path / 'adir.json').mkdir()
    with pytest.raises(PermissionError, match='output file .*adir.json is a '
                       'folder, not a file'):
        check_writable_file(str(tmp_path / 'adir.json'))


def test_check_device(monkeypatch):
    assert check_device('cpu') == 'cpu'
    with pytest.raises(ValueError, match="device 'gpu' is not a torch "
                       'device'):
        check_device('gpu')
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    with pytest.raises(ValueError, match=r"device 'cuda:0': no CUDA GPU is "
                       r'available .*use --device cpu'):
        check_device('cuda:0')
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    monkeypatch.setattr(torch.cuda, 'device_count', lambda: 2)
    assert check_device('cuda:1') == 'cuda:1'
    with pytest.raises(ValueError, match=r"'cuda:2': this machine has 2 "
                       r'CUDA GPU\(s\), cuda:0 to cuda:1'):
        check_device('cuda:2')
