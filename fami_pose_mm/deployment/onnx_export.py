# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Export what the video inferencer runs as ONNX graphs.

:func:`export_onnx` takes a model already built and loaded, with the
settings of its inference pipeline (frame offsets, crop size), e.g. those
of :class:`~fami_pose_mm.apis.VideoPoseInferencer` (as
``tools/deployment/export_onnx.py`` builds it: same checks, same
``dataset_meta``); this module does not build models. The model's design
picks the graphs (see :mod:`.deploy_info`): one ``image`` graph for a
single-frame top-down model, one ``clip`` graph for ``crop_mode='key'``,
``backbone`` and ``neck_head`` for ``crop_mode='own'`` (streaming). The
batch axis is dynamic. Made exportable by
:func:`~.export_ops.prepare_for_export` (deform convs as ``DeformConv``,
fixed-size adaptive pooling).

Exporter: torch's TorchScript exporter (``dynamo=False``), which needs only
``onnx``; opset :data:`OPSET`. Each graph is checked with
``onnx.checker`` (full check) and run once on ONNX Runtime on a batch
size other than the traced one, against the unmodified PyTorch model.
"""
import copy
import os
import os.path as osp
import shutil
import warnings
from typing import Dict, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.logging import print_log
from mmpose.utils.typing import ConfigType

from ..utils.crop_modes import crop_mode_of
from ..utils.frame_offsets import check_frame_offsets, check_num_frames
from .deploy_info import encode_meta, model_settings, write_deploy_info
from .export_ops import export_deform_backend, prepare_for_export
from .graphs import example_inputs, graph_modules, graph_spec, model_design
from .onnx_graph import OnnxGraph

#: ONNX opset of the exported graphs: 20 is the first with ``AffineGrid``
#: (the GTM's ``F.affine_grid``; ``GridSample`` needs 16) and the newest
#: the TorchScript exporter writes; ONNX Runtime >= 1.17 runs it.
OPSET = 20
#: max |ONNX Runtime - PyTorch| / max(1, max |PyTorch|) accepted at export
TOLERANCE = 1e-4


def pipeline_input_size(pipeline) -> Tuple[int, int]:
    """(W, H) of a test pipeline's affine step (its last ``input_size``).

    Args:
        pipeline (Compose): The test pipeline, e.g. the inferencer's.

    Returns:
        tuple[int, int]: The crop size ``(W, H)`` in pixels.

    Raises:
        ValueError: If no step has an ``input_size`` (no ``TopdownAffine``).
    """
    sizes = [tuple(step.input_size) for step in pipeline.transforms
             if hasattr(step, 'input_size')]
    if not sizes:
        raise ValueError('the test pipeline has no step with an input_size '
                         '(TopdownAffine); cannot export a top-down model')
    return sizes[-1]


def _as_tuple(out) -> tuple:
    return tuple(out) if isinstance(out, (tuple, list)) else (out, )


def _preprocessing(module) -> dict:
    """mean/std/bgr_to_rgb of an mmpose or fami data preprocessor."""
    bgr_to_rgb = getattr(module, 'bgr_to_rgb', None)
    if bgr_to_rgb is None:
        bgr_to_rgb = getattr(module, '_channel_conversion', False)
    return dict(mean=[round(v, 4) for v in module.mean.flatten().tolist()],
                std=[round(v, 4) for v in module.std.flatten().tolist()],
                bgr_to_rgb=bool(bgr_to_rgb))


def export_onnx(model: nn.Module, cfg: ConfigType, out_dir: str, *,
                frame_offsets: Sequence[int], input_size: Tuple[int, int],
                opset: int = OPSET, batch: int = 2) -> dict:
    """Export a pose model's graphs, ``deploy.json`` and ``config.py``.

    Args:
        model (nn.Module): The pose model, built and loaded (its
            ``dataset_meta`` set), on the CPU. It is not changed: the
            substitutions of :func:`~.export_ops.prepare_for_export` are
            made on a copy, in eval mode.
        cfg (Config): Its config, written as ``config.py``.
        out_dir (str): Output folder (created).
        frame_offsets (Sequence[int]): Supporting-frame offsets of the
            inference pipeline; ``()`` for a single-frame model.
        input_size (tuple[int, int]): Crop size ``(W, H)`` of the pipeline
            (see :func:`pipeline_input_size`).
        opset (int): ONNX opset. Defaults to :data:`OPSET`.
        batch (int): Batch size traced (the axis stays dynamic).

    Returns:
        dict: The ``deploy.json`` content.

    Raises:
        ValueError: If ``batch`` < 1, ``opset`` is one the exporter does
            not write, the model is not on the CPU, the offsets are invalid
            or do not match the model's ``neck.num_frames``, a graph
            cannot be expressed at ``opset`` (the folder, if this call
            created it, is removed), or a graph differs from PyTorch by
            more than :data:`TOLERANCE`.
    """
    if batch < 1:
        raise ValueError(f'batch must be >= 1, got {batch}')
    from torch.onnx._constants import (ONNX_MIN_OPSET,
                                       ONNX_TORCHSCRIPT_EXPORTER_MAX_OPSET)
    if not ONNX_MIN_OPSET <= opset <= ONNX_TORCHSCRIPT_EXPORTER_MAX_OPSET:
        raise ValueError(f'opset {opset}: the exporter writes opsets '
                         f'{ONNX_MIN_OPSET}-'
                         f'{ONNX_TORCHSCRIPT_EXPORTER_MAX_OPSET}; {OPSET} '
                         'is the one tested')
    device = next(model.parameters(), torch.empty(0)).device
    if device.type != 'cpu':
        raise ValueError(f'export_onnx needs the model on the CPU, got it on '
                         f'{device}; build it with device=\'cpu\'')
    frame_offsets = check_frame_offsets(frame_offsets)
    neck_frames = getattr(getattr(model, 'neck', None), 'num_frames', None)
    if neck_frames is not None:
        check_num_frames(neck_frames, frame_offsets)
    input_size = tuple(input_size)
    model = copy.deepcopy(model).eval()
    design = model_design(model)
    num_frames = 1 + len(frame_offsets)
    modules = graph_modules(model, design)
    feat_shape = ()
    with torch.no_grad():
        if design == 'streaming':
            crop = example_inputs('single_frame', 1, 1, input_size, ())
            feat_shape = tuple(modules['backbone'](*crop['image']).shape[1:])
        examples = example_inputs(design, batch, num_frames, input_size,
                                  feat_shape)
        checks = example_inputs(design, batch + 1, num_frames, input_size,
                                feat_shape, seed=1)
        expected = {k: _as_tuple(modules[k](*x)) for k, x in checks.items()}
    swapped = prepare_for_export(
        model, lambda: [modules[k](*x) for k, x in examples.items()], opset)
    created = not osp.isdir(out_dir)
    os.makedirs(out_dir, exist_ok=True)
    graphs, verified = {}, {}
    for name, module in modules.items():
        graphs[name] = graph_spec(name, examples[name], expected[name],
                                  f'{name}.onnx')
        try:
            _export_graph(module, examples[name], graphs[name],
                          osp.join(out_dir, f'{name}.onnx'), opset)
        except torch.onnx.errors.OnnxExporterError as err:
            if created:  # leave no folder that looks like an export
                shutil.rmtree(out_dir, ignore_errors=True)
            first = str(err).strip().splitlines()[0]
            raise ValueError(
                f'{name}.onnx cannot be written at opset {opset}: {first}; '
                f'export at opset {OPSET} (the default, the one tested)'
            ) from None
        verified[name] = _verify(OnnxGraph(out_dir, name, graphs[name], opset),
                                 checks[name], expected[name])
        print_log(f'{name}.onnx: exported, checked, max abs difference to '
                  f'PyTorch {max(verified[name].values()):.1e}',
                  logger='current')
    cfg.dump(osp.join(out_dir, 'config.py'))
    info = dict(
        design=design, graphs=graphs, opset=opset,
        exporter=f'torch.onnx TorchScript exporter (dynamo=False), torch '
        f'{torch.__version__}',
        deform_conv_backend=export_deform_backend(opset), substitutions=swapped,
        flip_test='graphs without flip; the runtime runs them again on the '
        'flipped input and averages as the head does',
        verified=verified, settings=model_settings(cfg), config='config.py',
        frame_offsets=list(frame_offsets), num_frames=num_frames,
        input_size=list(input_size),
        feature_size=list(feat_shape[:0:-1]) or None,
        **_runtime_info(model, cfg))
    write_deploy_info(out_dir, info)
    return info


def _export_graph(module: torch.nn.Module, inputs: tuple, spec: dict,
                  path: str, opset: int) -> None:
    """``torch.onnx.export`` with a dynamic batch axis, then the full
    ``onnx.checker``. The TorchScript exporter's deprecation notice and
    the tracer's warnings (Python-level shape checks of the model, which
    the verification at another batch size covers) are not shown."""
    import onnx
    with warnings.catch_warnings():
        warnings.filterwarnings('ignore', category=torch.jit.TracerWarning)
        warnings.filterwarnings('ignore', message='You are using the legacy '
                                'TorchScript-based ONNX export')
        warnings.filterwarnings('ignore', category=DeprecationWarning,
                                module=r'torch\.onnx')
        torch.onnx.export(
            module, inputs, path, dynamo=False, opset_version=opset,
            input_names=list(spec['inputs']),
            output_names=list(spec['outputs']),
            dynamic_axes={k: {0: 'batch'}
                          for k in (*spec['inputs'], *spec['outputs'])})
    onnx.checker.check_model(path, full_check=True)


def _runtime_info(model, cfg) -> dict:
    """The ``deploy.json`` keys for pre- and post-processing."""
    return dict(
        crop_mode=crop_mode_of(model),
        preprocessing=_preprocessing(model.data_preprocessor),
        data_preprocessor=encode_meta(
            cfg.model.get('data_preprocessor')
            or dict(type=type(model.data_preprocessor).__name__)),
        head=encode_meta(cfg.model.head),
        codec=encode_meta(cfg.model.head.get('decoder')),
        test_cfg=encode_meta(dict(model.test_cfg)),
        flip_indices=list(model.dataset_meta.get('flip_indices', [])),
        dataset_meta=encode_meta(model.dataset_meta),
        model_metainfo=encode_meta(model.metainfo))


def _verify(graph: OnnxGraph, inputs: tuple,
            expected: tuple) -> Dict[str, float]:
    """Max abs difference per output of ONNX Runtime vs PyTorch; raise
    above :data:`TOLERANCE` (relative to the output's magnitude)."""
    diffs = {}
    for (key, _), got, want in zip(graph.outputs.items(), graph(*inputs),
                                   expected):
        diff = float((got - want).abs().max())
        diffs[key] = diff
        if diff > TOLERANCE * max(1.0, float(want.abs().max())):
            raise ValueError(
                f'{graph.path}: output {key} differs from PyTorch by {diff:g}'
                f' (max abs) on a random batch of {len(inputs[0])}; the '
                'export is wrong for this model')
    return diffs
