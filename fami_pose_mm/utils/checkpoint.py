# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Loading mmengine checkpoints under torch >= 2.6.

torch 2.6 changed ``torch.load`` to ``weights_only=True`` by default, while
mmengine 0.10.7 calls ``torch.load(filename, map_location=...)`` without the
argument. mmengine's checkpoints carry more than tensors (numpy scalars and
arrays, ``HistoryBuffer`` objects of the message hub, the config text), so
``load_from`` and ``--resume`` fail with an ``UnpicklingError``.

Importing this module re-registers mmengine's loaders for local files (the
scheme with the empty prefix) and for ``http(s)://`` URLs (e.g. the
pretrained ``init_cfg`` checkpoints of the configs), mmengine's own
extension point, so they pass ``weights_only=False``, which is what
mmengine did on every torch before 2.6.
Like every pickle, a checkpoint can run code when loaded: load only
checkpoints you trust.
"""
import os.path as osp
from typing import Callable, Optional, Union

import torch
from mmengine.runner.checkpoint import CheckpointLoader
from torch.hub import get_dir, load_state_dict_from_url


@CheckpointLoader.register_scheme(prefixes='', force=True)
def load_local_checkpoint(
        filename: str,
        map_location: Optional[Union[str, torch.device, Callable]] = None
) -> dict:
    """Load a local checkpoint file with the full pickle loader.

    Args:
        filename (str): Path of the checkpoint file.
        map_location (str | torch.device | Callable, optional): As
            ``torch.load``.

    Returns:
        dict | OrderedDict: The loaded checkpoint.

    Raises:
        FileNotFoundError: If ``filename`` does not exist.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint file {filename} does not exist')
    return torch.load(filename, map_location=map_location, weights_only=False)


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
    """
    return load_state_dict_from_url(
        url,
        model_dir=osp.join(get_dir(), 'checkpoints'),
        map_location=map_location,
        weights_only=False)
