# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""mmengine checkpoints (with numpy objects) load under torch >= 2.6, and a
checkpoint that would run code on load is refused."""
import io
import os
import pathlib
import pickle
import re

import numpy as np
import pytest
import torch
from mmengine.runner.checkpoint import CheckpointLoader, _load_checkpoint

import fami_pose_mm.plugin  # noqa: F401  registers the loaders
from mmengine.logging import HistoryBuffer

from fami_pose_mm.utils.checkpoint import (load_local_checkpoint,
                                           load_url_checkpoint)


def _save(path):
    ckpt = dict(
        state_dict=dict(w=torch.arange(3.)),
        meta=dict(seed=np.int64(7), hist=np.arange(4), epoch=2))
    torch.save(ckpt, path)
    return ckpt


def test_plain_torch_load_refuses_it(tmp_path):
    path = tmp_path / 'epoch_2.pth'
    _save(path)
    with pytest.raises(Exception, match='weights_only'):
        torch.load(path)


def test_mmengine_loads_local_checkpoint_through_our_scheme(tmp_path):
    path = str(tmp_path / 'epoch_2.pth')
    _save(path)
    assert CheckpointLoader._get_checkpoint_loader(path) is \
        load_local_checkpoint
    loaded = _load_checkpoint(path, map_location='cpu')
    assert loaded['meta']['seed'] == 7
    np.testing.assert_array_equal(loaded['meta']['hist'], np.arange(4))
    torch.testing.assert_close(loaded['state_dict']['w'], torch.arange(3.))


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        _load_checkpoint(str(tmp_path / 'nope.pth'))


def test_url_scheme_is_ours_and_loads_numpy_objects(tmp_path, monkeypatch):
    url = 'https://download.example/td-hm_tiny.pth'
    assert CheckpointLoader._get_checkpoint_loader(url) is load_url_checkpoint
    hub = tmp_path / 'hub'
    (hub / 'checkpoints').mkdir(parents=True)
    _save(hub / 'checkpoints' / 'td-hm_tiny.pth')  # already "downloaded"
    monkeypatch.setattr(torch.hub, '_hub_dir', str(hub))
    loaded = load_url_checkpoint(url, map_location='cpu')
    assert loaded['meta']['seed'] == 7
    assert pathlib.Path(hub / 'checkpoints' / 'td-hm_tiny.pth').exists()


class _RunsCode:
    """Pickles as a call of ``os.system``: what a malicious file does."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


class AllowedStats:
    """A user type that is not in the allow-list."""

    def __init__(self, value=0):
        self.value = value


def test_real_mmengine_objects_load(tmp_path):
    hub = HistoryBuffer()
    hub.update(0.5)
    hub.update(0.25)
    ckpt = dict(
        meta=dict(
            dataset_meta=dict(sigmas=np.ones(17, np.float32),
                              flip_indices=[0, 2, 1]),
            epoch=np.int64(3), lr=np.float64(1e-3)),
        message_hub=dict(log_scalars={'train/loss': hub},
                         runtime_info=dict(iter=7)),
        state_dict=dict(w=torch.ones(2)))
    path = str(tmp_path / 'real.pth')
    torch.save(ckpt, path)
    loaded = _load_checkpoint(path, map_location='cpu')
    buf = loaded['message_hub']['log_scalars']['train/loss']
    assert isinstance(buf, HistoryBuffer) and buf.mean() == 0.375
    assert loaded['meta']['dataset_meta']['sigmas'].dtype == np.float32
    assert loaded['meta']['epoch'] == 3


def test_pickle_that_runs_code_is_refused(tmp_path):
    marker = tmp_path / 'ran'
    path = str(tmp_path / 'evil.pth')
    torch.save(dict(state_dict={}, meta=_RunsCode(marker)), path)
    with pytest.raises(pickle.UnpicklingError,
                       match=r'evil\.pth calls posix\.system when loaded.*'
                       'refused'):
        _load_checkpoint(path, map_location='cpu')
    assert not marker.exists()


class _Calls:
    """Pickles as a call of ``function`` (a builtin or a function)."""

    def __init__(self, function, *args):
        self.function, self.args = function, args

    def __reduce__(self):
        return (self.function, self.args)


def _no_such_module_call():
    """Stands for a function of a module that does not import (Python 2's
    ``commands.call``): pickled under that name."""


_no_such_module_call.__module__ = 'commands'
_no_such_module_call.__qualname__ = 'call'


@pytest.mark.parametrize('function, args, shown', [
    (exec, ('x = 1', ), r'(builtins\.)?exec'),
    (io.open, ('/dev/null', ), r'(io|_io)\.open'),
    (_no_such_module_call, (), r'commands\.call'),
])
def test_functions_are_refused_and_cannot_be_allowed(
        tmp_path, monkeypatch, function, args, shown):
    """Before, exec, io.open and commands.call were called "types" with a
    hint to allow them, which failed anyway."""
    import sys
    sys.modules.setdefault('commands', type(sys)('commands'))
    sys.modules['commands'].call = _no_such_module_call
    path = str(tmp_path / 'calls.pth')
    torch.save(dict(meta=_Calls(function, *args)), path)
    del sys.modules['commands']
    monkeypatch.delenv('FAMI_CHECKPOINT_ALLOW', raising=False)
    with pytest.raises(pickle.UnpicklingError) as err:
        load_local_checkpoint(path)
    assert re.search(f'calls {shown} when loaded, a function that could run '
                     'any code: refused', str(err.value)), str(err.value)
    assert 'FAMI_CHECKPOINT_ALLOW' not in str(err.value)
    assert 'type' not in str(err.value)
    monkeypatch.setenv('FAMI_CHECKPOINT_ALLOW', 'builtins.exec')
    with pytest.raises(ValueError, match='builtins.exec is not a class; only '
                       'classes can be allowed'):
        load_local_checkpoint(path)


def test_extra_type_allowed_only_by_name(tmp_path, monkeypatch):
    path = str(tmp_path / 'custom.pth')
    torch.save(dict(meta=dict(stats=AllowedStats(4))), path)
    name = f'{__name__}.AllowedStats'
    monkeypatch.delenv('FAMI_CHECKPOINT_ALLOW', raising=False)
    with pytest.raises(pickle.UnpicklingError, match='AllowedStats'):
        load_local_checkpoint(path)
    monkeypatch.setenv('FAMI_CHECKPOINT_ALLOW', f'collections.Counter, {name}')
    assert load_local_checkpoint(path)['meta']['stats'].value == 4
    monkeypatch.setenv('FAMI_CHECKPOINT_ALLOW', 'nosuchmodule.Thing')
    with pytest.raises(ValueError, match='nosuchmodule.Thing'):
        load_local_checkpoint(path)


@pytest.mark.parametrize('content', [b'', b'not a checkpoint at all',
                                     b'PK\x03\x04broken zip'])
def test_file_that_is_not_a_checkpoint_is_named(tmp_path, content):
    path = tmp_path / 'notes.pth'
    path.write_bytes(content)
    with pytest.raises(pickle.UnpicklingError, match='notes.pth'):
        _load_checkpoint(str(path), map_location='cpu')


def test_unreachable_url_names_url_and_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, '_hub_dir', str(tmp_path / 'hub'))
    url = 'http://127.0.0.1:9/missing/td-hm_none.pth'
    with pytest.raises(FileNotFoundError,
                       match='td-hm_none.pth.*put it at .*checkpoints'):
        load_url_checkpoint(url)
