# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Which backend runs the pose model, and ONNX Runtime's setup.

Nothing here imports ``onnx`` or ``onnxruntime`` at import time: they are
an optional dependency (``requirements/deploy.txt``), imported when the
``'onnxruntime'`` backend is used.
"""
import os.path as osp
import warnings
from typing import List, Optional, Union

import torch

from .deploy_info import DEPLOY_JSON

BACKENDS = ('pytorch', 'onnxruntime')
_INSTALL_HINT = 'pip install -r requirements/deploy.txt'


def import_onnxruntime():
    """``onnxruntime``, or an ImportError that says how to install it."""
    try:
        import onnxruntime
    except ImportError as err:
        raise ImportError(f"backend='onnxruntime' needs the onnxruntime "
                          f'package: {_INSTALL_HINT}') from err
    return onnxruntime


def check_backend(backend: str, weights: Optional[str]) -> str:
    """Check the inferencer's ``backend`` and what ``weights`` must be.

    Args:
        backend (str): ``'pytorch'`` or ``'onnxruntime'``.
        weights (str, optional): With ``'onnxruntime'``, the folder written
            by ``tools/deployment/export_onnx.py``.

    Returns:
        str: ``backend``.

    Raises:
        ValueError: On an unknown backend, ``'onnxruntime'`` without an
            export folder or given a file, or ``'pytorch'`` given an
            export folder.
        FileNotFoundError: If the folder or its ``deploy.json`` is missing.
        ImportError: If ONNX Runtime is not installed.
    """
    if backend not in BACKENDS:
        raise ValueError(f'backend must be one of {BACKENDS}, got '
                         f'{backend!r}')
    if backend == 'pytorch' and weights and osp.isdir(weights):
        export = osp.isfile(osp.join(weights, DEPLOY_JSON))
        raise ValueError(
            f'pose checkpoint {weights} is a folder'
            + (" (an ONNX export: run it with backend='onnxruntime', demo "
               '--backend onnxruntime)' if export else
               ', not a checkpoint file (.pth)'))
    if backend == 'onnxruntime':
        if not weights:
            raise ValueError(
                "backend='onnxruntime' runs an ONNX export: give its folder "
                '(tools/deployment/export_onnx.py CONFIG CHECKPOINT OUT_DIR) '
                'as the weights')
        if osp.isfile(weights):
            raise ValueError(
                f"backend='onnxruntime': {weights} is a file; it runs the "
                'folder that tools/deployment/export_onnx.py writes (a '
                "checkpoint runs with backend='pytorch', the default)")
        if not osp.isfile(osp.join(weights, DEPLOY_JSON)):
            raise FileNotFoundError(
                f"backend='onnxruntime': {weights} is not an ONNX export "
                f'folder (no {DEPLOY_JSON}); export with '
                'tools/deployment/export_onnx.py CONFIG CHECKPOINT OUT_DIR')
        import_onnxruntime()
    return backend


def providers(device: Union[str, torch.device, None]) -> List:
    """ONNX Runtime execution providers for a torch device name.

    ``'cuda[:i]'`` takes ``CUDAExecutionProvider`` (device i) when this
    ONNX Runtime has it (the ``onnxruntime-gpu`` package), with a warning
    and the CPU otherwise; any other device runs on the CPU.
    """
    ort = import_onnxruntime()
    device = torch.device(device or 'cpu')
    if device.type == 'cuda':
        if 'CUDAExecutionProvider' in ort.get_available_providers():
            return [('CUDAExecutionProvider',
                     dict(device_id=device.index or 0)),
                    'CPUExecutionProvider']
        warnings.warn(f'device {device}: this ONNX Runtime has no '
                      'CUDAExecutionProvider (install onnxruntime-gpu); the '
                      'graphs run on the CPU')
    return ['CPUExecutionProvider']


def session_options(num_threads: Optional[int] = None):
    """Session options: ``num_threads`` intra-op threads (default: torch's
    ``torch.get_num_threads()``, so that both backends use the same CPU
    threads), one inter-op thread, all graph optimisations."""
    ort = import_onnxruntime()
    options = ort.SessionOptions()
    options.intra_op_num_threads = num_threads or torch.get_num_threads()
    options.inter_op_num_threads = 1
    options.graph_optimization_level = \
        ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return options
