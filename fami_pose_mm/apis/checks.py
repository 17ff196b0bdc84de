# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Input checks shared by the video inferencer and its command line."""
import os
import os.path as osp
import tempfile
from typing import Mapping

import torch.nn as nn


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
    if not osp.isfile(path):
        raise FileNotFoundError(f'config {path} does not exist')
    return path


def check_writable_dir(path: str) -> str:
    """Create ``path`` if needed and check that files can be written in it.

    Args:
        path (str): Output folder.

    Returns:
        str: ``path``.

    Raises:
        PermissionError: If the folder cannot be created or written to.
    """
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as err:
        raise PermissionError(f'output folder {path} is not writable: '
                              f'{err.strerror or err}') from err
    return path


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
