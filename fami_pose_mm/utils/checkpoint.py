# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Loading mmengine checkpoints under torch >= 2.6, without running code.

torch 2.6 changed ``torch.load`` to ``weights_only=True`` by default, while
mmengine 0.10.7 calls ``torch.load(filename, map_location=...)`` without the
argument. mmengine's checkpoints carry more than tensors (numpy scalars and
arrays, ``HistoryBuffer`` objects of the message hub), so ``load_from`` and
``--resume`` fail with an ``UnpicklingError`` on a stock install.

Importing this module re-registers mmengine's loaders for local files (the
scheme with the empty prefix) and for ``http(s)://`` URLs (e.g. the
pretrained ``init_cfg`` checkpoints of the configs), mmengine's own
extension point. They still load with ``weights_only=True``: the pickle may
only build the types in :data:`SAFE_GLOBALS` (numpy arrays, scalars and
dtypes, mmengine's ``HistoryBuffer``, ``OrderedDict`` and the like), never
call an arbitrary function. A checkpoint that needs another class fails
with an error naming it; allow it explicitly with the environment variable
``FAMI_CHECKPOINT_ALLOW`` (comma-separated ``module.Name`` entries, e.g.
``FAMI_CHECKPOINT_ALLOW=mypkg.stats.RunningMean``), and only for files you
trust. A checkpoint that calls a function (``exec``, ``io.open``, ...) is
refused outright: no entry allows a function.
"""
import importlib
import os
import os.path as osp
import pickle
import re
from collections import OrderedDict, defaultdict
from typing import Any, Callable, List, Optional, Union
from urllib.error import URLError
from urllib.parse import urlparse

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader
from torch.hub import download_url_to_file, get_dir

ALLOW_ENV = 'FAMI_CHECKPOINT_ALLOW'


def _numpy_globals() -> List[Any]:
    """numpy's pickle entry points, under both module names.

    numpy 2 pickles through ``numpy._core``; checkpoints written under
    numpy 1 name ``numpy.core``: the tuple form tells torch that name.
    """
    core = importlib.import_module('numpy._core.multiarray')
    entries: List[Any] = [np.ndarray, np.dtype, core._reconstruct, core.scalar]
    entries += [(core._reconstruct, 'numpy.core.multiarray._reconstruct'),
                (core.scalar, 'numpy.core.multiarray.scalar')]
    entries += [
        getattr(np.dtypes, name) for name in dir(np.dtypes)
        if isinstance(getattr(np.dtypes, name), type)
    ]
    return entries


def _history_buffer_getattr(obj: Any, name: str) -> Callable:
    """``getattr`` restricted to the methods of ``HistoryBuffer``.

    A pickled ``HistoryBuffer`` holds its statistics methods as
    ``getattr(HistoryBuffer, 'mean')``; the unrestricted ``getattr`` would
    reach any attribute of anything the file builds.
    """
    if obj is not HistoryBuffer or not callable(
            HistoryBuffer.__dict__.get(name)):
        raise pickle.UnpicklingError(
            f'checkpoint asks for getattr({obj!r}, {name!r}); only methods of '
            'mmengine HistoryBuffer are allowed')
    return getattr(obj, name)


#: Types an mmengine / mmpose checkpoint holds beyond tensors and builtins.
SAFE_GLOBALS: List[Any] = _numpy_globals() + [
    HistoryBuffer, (_history_buffer_getattr, 'builtins.getattr'), OrderedDict,
    defaultdict, set, frozenset, slice, range, complex
]


def _import(entry: str) -> Any:
    """The object ``module.Name`` names (ImportError, AttributeError or
    ValueError if there is none)."""
    module, _, name = entry.rpartition('.')
    obj = importlib.import_module(module)
    for part in name.split('.'):
        obj = getattr(obj, part)
    return obj


def _is_class(entry: str) -> bool:
    """Whether ``module.Name`` is a class (a type a pickle may build);
    a function, a builtin such as ``exec`` or ``io.open``, or a name that
    does not import is not."""
    try:
        return isinstance(_import(entry), type)
    except (ImportError, AttributeError, ValueError):
        return False


def _extra_globals() -> List[Any]:
    """The classes named in ``FAMI_CHECKPOINT_ALLOW``, imported.

    Raises:
        ValueError: For an entry that does not import, or that is not a
            class (functions run code when a pickle calls them).
    """
    extra = []
    for entry in filter(None, (e.strip() for e in os.environ.get(
            ALLOW_ENV, '').split(','))):
        try:
            obj = _import(entry)
        except (ImportError, AttributeError, ValueError) as e:
            raise ValueError(f'{ALLOW_ENV}: cannot import {entry!r} (expected '
                             f'comma-separated module.Name entries): {e}') \
                from None
        if not isinstance(obj, type):
            raise ValueError(f'{ALLOW_ENV}: {entry} is not a class; only '
                             'classes can be allowed (a function a '
                             'checkpoint calls can run any code)')
        extra.append(obj)
    return extra


def safe_torch_load(source: Any,
                    map_location: Optional[Union[str, torch.device,
                                                 Callable]] = None,
                    name: Optional[str] = None) -> Any:
    """``torch.load`` with ``weights_only=True`` and the allow-list.

    Args:
        source (str | file-like): What ``torch.load`` reads.
        map_location (str | torch.device | Callable, optional): As
            ``torch.load``.
        name (str, optional): How the error names the checkpoint (default:
            ``source``).

    Returns:
        Any: The loaded object.

    Raises:
        pickle.UnpicklingError: If the file needs a type outside the
            allow-list (the message names it and ``FAMI_CHECKPOINT_ALLOW``)
            or is not a checkpoint at all (the message names the file).
    """
    name = name or str(source)
    try:
        with torch.serialization.safe_globals(SAFE_GLOBALS + _extra_globals()):
            return torch.load(source, map_location=map_location,
                              weights_only=True)
    except pickle.UnpicklingError as e:
        text = str(e)
        blocked = re.search(r'unsupported GLOBAL ([\w.]+) whose module', text)
        if blocked:  # os, subprocess, ...: torch never allows them
            raise pickle.UnpicklingError(
                f'checkpoint {name} calls {blocked.group(1)} when loaded, '
                'which could run any code: refused') from None
        found = re.search(r'GLOBAL ([\w.]+) was not an allowed global', text)
        if found and not _is_class(found.group(1)):
            raise pickle.UnpicklingError(
                f'checkpoint {name} calls {found.group(1)} when loaded, a '
                'function that could run any code: refused (this is not a '
                'PyTorch or mmengine checkpoint of weights)') from None
        if found:
            raise pickle.UnpicklingError(
                f'checkpoint {name} needs the type {found.group(1)}, which '
                'is not in the allow-list of fami_pose_mm.utils.checkpoint '
                '(loading it could run code). If you trust the file, allow '
                f'it with {ALLOW_ENV}={found.group(1)}') from None
        raise pickle.UnpicklingError(
            f'{name} is not a readable PyTorch checkpoint: {text.splitlines()[0]}'
        ) from None
    except (RuntimeError, EOFError) as e:
        raise pickle.UnpicklingError(
            f'{name} is not a readable PyTorch checkpoint: '
            f'{str(e).splitlines()[0] if str(e) else type(e).__name__}') \
            from None


@CheckpointLoader.register_scheme(prefixes='', force=True)
def load_local_checkpoint(
        filename: str,
        map_location: Optional[Union[str, torch.device, Callable]] = None
) -> dict:
    """Load a local checkpoint file through :func:`safe_torch_load`.

    Args:
        filename (str): Path of the checkpoint file.
        map_location (str | torch.device | Callable, optional): As
            ``torch.load``.

    Returns:
        dict | OrderedDict: The loaded checkpoint.

    Raises:
        FileNotFoundError: If ``filename`` does not exist.
        pickle.UnpicklingError: See :func:`safe_torch_load`.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint file {filename} does not exist')
    return safe_torch_load(filename, map_location)


@CheckpointLoader.register_scheme(prefixes=('http://', 'https://'), force=True)
def load_url_checkpoint(
        url: str,
        map_location: Optional[Union[str, torch.device, Callable]] = None
) -> dict:
    """Download (once, into torch's hub cache) and load a checkpoint.

    Args:
        url (str): ``http(s)://`` address of the checkpoint.
        map_location (str | torch.device | Callable, optional): As
            ``torch.load``.

    Returns:
        dict | OrderedDict: The loaded checkpoint.

    Raises:
        FileNotFoundError: If the file is not cached and cannot be
            downloaded (the message names the URL and the cache path).
        pickle.UnpicklingError: See :func:`safe_torch_load`.
    """
    model_dir = osp.join(get_dir(), 'checkpoints')
    cached = osp.join(model_dir, osp.basename(urlparse(url).path))
    if not osp.isfile(cached):
        os.makedirs(model_dir, exist_ok=True)
        try:
            download_url_to_file(url, cached, progress=True)
        except (URLError, OSError) as e:
            raise FileNotFoundError(
                f'cannot download checkpoint {url} ({e}); without internet, '
                f'download it elsewhere and put it at {cached}, or pass a '
                'local path instead of the URL') from None
    return safe_torch_load(cached, map_location, name=url)
