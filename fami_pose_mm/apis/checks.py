# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Input checks shared by the video inferencer and its command line."""
import os.path as osp
from typing import Mapping

import torch
import torch.nn as nn

from ..fileio.output_paths import (check_outputs_apart,  # noqa: F401
                                   check_writable_dir, check_writable_file)


def resolve_config_path(path: str) -> str:
    """Resolve ``'<package>::<relative path>'`` to an installed config file.

    ``mmdet::rtmdet/rtmdet_m_8xb32-300e_coco.py`` is looked up in the
    package's ``.mim/configs/``, then in ``.mim/`` (so
    ``mmpose::demo/mmdetection_cfg/<file>.py`` finds MMPose's detector
    configs). Other paths are returned unchanged.

    Raises:
        FileNotFoundError: If no such file exists.
    """
    if '::' in path:
        from mmengine.utils import get_installed_path
        package, relative = path.split('::', 1)
        try:
            root = osp.join(get_installed_path(package), '.mim')
        except Exception as err:
            raise FileNotFoundError(f'config {path}: package {package!r} is '
                                    'not installed') from err
        for candidate in (osp.join(root, 'configs', relative),
                          osp.join(root, relative)):
            if osp.isfile(candidate):
                return candidate
    if '://' in path:
        raise FileNotFoundError(f'config {path}: configs are read from a '
                                'local file or <package>::<path>, not from '
                                'a URL; download it first')
    if not osp.isfile(path):
        raise FileNotFoundError(f'config {path} does not exist')
    return path


def check_device(device: str) -> str:
    """Check that a torch device exists on this machine.

    Args:
        device (str): ``'cpu'``, ``'cuda'``, ``'cuda:1'``, ``'mps'``...

    Returns:
        str: ``device``.

    Raises:
        ValueError: If the name is not a torch device, or the device is
            not available (e.g. ``'cuda:0'`` without a CUDA GPU or driver).
    """
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise ValueError(f'device {device!r} is not a torch device '
                         "(e.g. 'cpu', 'cuda', 'cuda:1')") from err
    if parsed.type == 'cuda':
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise ValueError(
                f'device {device!r}: no CUDA GPU is available on this '
                f'machine (torch {torch.__version__}, built for CUDA '
                f'{torch.version.cuda}); use --device cpu (device=\'cpu\')')
        if parsed.index is not None and parsed.index >= count:
            raise ValueError(f'device {device!r}: this machine has {count} '
                             f'CUDA GPU(s), cuda:0 to cuda:{count - 1}')
    elif parsed.type == 'mps' and not torch.backends.mps.is_available():
        raise ValueError(f'device {device!r}: MPS is not available on this '
                         'machine; use --device cpu')
    return device


def state_dict_mismatch(model: nn.Module,
                        state_dict: Mapping,
                        max_names: int = 8) -> str:
    """Describe how a checkpoint's state dict differs from a model's.

    Args:
        model (nn.Module): The model built from the config.
        state_dict (Mapping): Parameters of the checkpoint (a leading
            ``module.`` from distributed training is ignored).
        max_names (int): At most this many names listed per kind.

    Returns:
        str: Empty if the keys and shapes agree, else one line per kind of
        mismatch (missing, unexpected, shape) with the first names.
    """
    own = model.state_dict()
    theirs = {
        (k[len('module.'):] if k.startswith('module.') else k): v
        for k, v in state_dict.items()
    }
    missing = sorted(set(own) - set(theirs))
    unexpected = sorted(set(theirs) - set(own))
    shapes = sorted(
        f'{k} {tuple(theirs[k].shape)} vs {tuple(own[k].shape)}'
        for k in set(own) & set(theirs)
        if hasattr(theirs[k], 'shape') and theirs[k].shape != own[k].shape)
    lines = []
    for kind, names in (('missing in checkpoint', missing),
                        ('unexpected in checkpoint', unexpected),
                        ('shape mismatch (checkpoint vs model)', shapes)):
        if names:
            more = f' ... (+{len(names) - max_names})' \
                if len(names) > max_names else ''
            lines.append(f'{len(names)} {kind}: '
                         f'{", ".join(names[:max_names])}{more}')
    return '\n'.join(lines)
