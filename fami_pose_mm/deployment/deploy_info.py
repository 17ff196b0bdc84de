# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""``deploy.json``: what an ONNX export holds besides its graphs.

One module reads and writes the file. Keys (``format_version`` 1):

* ``design``: ``'single_frame'`` (graph ``image``: (B, 3, H, W) ->
  heatmaps), ``'clip'`` (``crop_mode='key'``; graph ``clip``: (B, T, 3,
  H, W) -> heatmaps) or ``'streaming'`` (``crop_mode='own'``; graphs
  ``backbone``: (N, 3, H, W) -> (N, C, h, w) and ``neck_head``: features
  (B, T, C, h, w) float32 and key -> frame-t feature affines (B, T, 2, 3)
  float64 -> heatmaps).
* ``graphs``: per graph its ``file`` and the ``inputs``/``outputs`` in
  order, each ``{name: {'shape': [...], 'dtype': ...}}`` with
  ``'batch'`` for the dynamic first axis.
* ``opset``, ``exporter``, ``deform_conv_backend``, ``flip_test`` (how
  the flip test runs), ``verified`` (max abs difference ONNX Runtime vs
  PyTorch per graph, measured at export).
* What the runtime needs: ``crop_mode``, ``frame_offsets``,
  ``num_frames``, ``input_size`` (W, H), ``feature_size`` (w, h),
  ``preprocessing`` (``mean``, ``std``, ``bgr_to_rgb``: the normalisation
  before the graphs), ``data_preprocessor``, ``head`` and ``codec``
  (configs: decoding and flip averaging reuse mmpose's head), ``test_cfg``
  (``flip_test``, ``flip_mode``, ``shift_heatmap``...), ``flip_indices``,
  ``dataset_meta`` and ``model_metainfo`` (arrays tagged, see
  :func:`encode_meta`).
* ``settings``: :func:`model_settings` of the config it was exported
  from, compared with the config it runs with (:func:`check_settings`).
"""
import json
import os.path as osp
from typing import Any, Dict

import numpy as np

DEPLOY_JSON = 'deploy.json'
FORMAT_VERSION = 1
#: design -> its graphs, in the order they run
DESIGNS = {
    'single_frame': ('image', ),
    'clip': ('clip', ),
    'streaming': ('backbone', 'neck_head')
}
_EXPORT_HINT = ('export it with tools/deployment/export_onnx.py CONFIG '
                'CHECKPOINT OUT_DIR')


def encode_meta(meta: Any) -> Any:
    """JSON-ready copy of a meta dict: arrays become ``{'__ndarray__':
    values, 'dtype': name}``, tuples lists."""
    if isinstance(meta, np.ndarray):
        return dict(__ndarray__=meta.tolist(), dtype=str(meta.dtype))
    if isinstance(meta, np.generic):
        return meta.item()
    if isinstance(meta, dict):
        return {str(k): encode_meta(v) for k, v in meta.items()}
    if isinstance(meta, (list, tuple)):
        return [encode_meta(v) for v in meta]
    return meta


def decode_meta(meta: Any) -> Any:
    """Inverse of :func:`encode_meta` (arrays back with their dtype)."""
    if isinstance(meta, dict):
        if '__ndarray__' in meta:
            return np.array(meta['__ndarray__'], dtype=meta['dtype'])
        return {k: decode_meta(v) for k, v in meta.items()}
    if isinstance(meta, list):
        return [decode_meta(v) for v in meta]
    return meta


def model_settings(cfg) -> Dict[str, Any]:
    """What an export shares with the config it runs with.

    Args:
        cfg (Config): A pose config (``model``, ``test_dataloader``).

    Returns:
        dict: ``type``, ``crop_mode`` (None for a single-frame model),
        ``codec`` (``model.head.decoder``) and ``input_size`` (of the test
        pipeline's affine step), JSON-normalised (tuples as lists).
    """
    from mmpose.registry import MODELS

    from ..models.pose_estimators import VideoTopdownPoseEstimator
    model = cfg['model']
    model_class = MODELS.get(model['type'])
    video = isinstance(model_class, type) and issubclass(
        model_class, VideoTopdownPoseEstimator)
    sizes = [
        step['input_size']
        for step in cfg['test_dataloader']['dataset']['pipeline']
        if 'input_size' in step
    ]
    settings = dict(
        type=model['type'],
        crop_mode=model.get('crop_mode', 'key') if video else None,
        codec=model['head'].get('decoder'),
        input_size=sizes[-1] if sizes else None)
    return json.loads(json.dumps(settings))


def check_settings(info: dict, cfg, json_path: str) -> None:
    """Raise unless the export of ``json_path`` fits config ``cfg``.

    Raises:
        ValueError: Naming each setting that differs, with both values.
    """
    ours = model_settings(cfg)
    diffs = [
        f'{key}: export {info["settings"].get(key)!r}, config '
        f'{ours[key]!r}' for key in ours
        if info['settings'].get(key) != ours[key]
    ]
    if diffs:
        raise ValueError(f'{json_path} was exported from another config ('
                         f'{"; ".join(diffs)}); {_EXPORT_HINT} with this '
                         'config')


def write_deploy_info(out_dir: str, info: dict) -> str:
    """Write ``info`` as ``<out_dir>/deploy.json``; returns its path."""
    path = osp.join(out_dir, DEPLOY_JSON)
    with open(path, 'w') as f:
        json.dump(dict(info, format_version=FORMAT_VERSION), f, indent=1)
    return path


def read_deploy_info(export_dir: str) -> dict:
    """Read and check ``<export_dir>/deploy.json``.

    Args:
        export_dir (str): Folder written by the exporter.

    Returns:
        dict: The JSON, with ``export_dir`` and ``json_path`` added.

    Raises:
        FileNotFoundError: If the folder or the JSON does not exist.
        ValueError: If the JSON is unreadable, of another format version,
            or lacks a key or a graph of its design.
    """
    path = osp.join(export_dir, DEPLOY_JSON)
    if not osp.isdir(export_dir):
        raise FileNotFoundError(f'ONNX export folder {export_dir} does not '
                                f'exist; {_EXPORT_HINT}')
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} is missing: {export_dir} is not an '
                                f'ONNX export folder; {_EXPORT_HINT}')
    try:
        with open(path) as f:
            info = json.load(f)
    except (OSError, ValueError) as err:
        raise ValueError(f'{path} cannot be read as JSON: {err}') from err
    if info.get('format_version') != FORMAT_VERSION:
        raise ValueError(f'{path} has format_version '
                         f'{info.get("format_version")!r}, this version '
                         f'reads {FORMAT_VERSION}; {_EXPORT_HINT} again')
    design = info.get('design')
    if design not in DESIGNS:
        raise ValueError(f'{path}: design must be one of {list(DESIGNS)}, '
                         f'got {design!r}')
    need = ('graphs', 'settings', 'test_cfg', 'head', 'data_preprocessor',
            'dataset_meta', 'num_frames', 'input_size')
    missing = [key for key in need if key not in info] + [
        f'graphs.{name}' for name in DESIGNS[design]
        if name not in info.get('graphs', {})
    ]
    if missing:
        raise ValueError(f'{path} lacks {", ".join(missing)} (design '
                         f'{design!r}); {_EXPORT_HINT} again')
    return dict(info, export_dir=export_dir, json_path=path)
