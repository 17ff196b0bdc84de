# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""One exported graph on ONNX Runtime, checked against ``deploy.json``."""
import os.path as osp
import re
from typing import Dict, List, Tuple

import numpy as np
import torch
from torch import Tensor

from .backend import import_onnxruntime, providers, session_options

_DTYPES = {'float32': 'tensor(float)', 'float64': 'tensor(double)'}
_REEXPORT = ('export again with tools/deployment/export_onnx.py from the '
             'config the export folder was made for')


def _graph_opset(path: str) -> str:
    """The default-domain opset stamped in a graph file ('?' if unread)."""
    try:
        import onnx
        model = onnx.load(path, load_external_data=False)
    except Exception:  # noqa: BLE001  only for an error message
        return '?'
    return str(next((o.version for o in model.opset_import
                     if o.domain in ('', 'ai.onnx')), '?'))


def _differs(spec: Dict[str, dict], found: list, check_dtype: bool) -> bool:
    """Whether session tensors ``found`` differ from ``spec`` in names,
    rank, a static dim or (``check_dtype``) dtype."""
    got = {t.name: t for t in found}
    if list(spec) != list(got):
        return True
    for key, want in spec.items():
        shape = list(got[key].shape)
        if len(shape) != len(want['shape']) or any(
                isinstance(a, int) and isinstance(b, int) and a != b
                for a, b in zip(want['shape'], shape)):
            return True
        if check_dtype and got[key].type != _DTYPES[want['dtype']]:
            return True
    return False


def _reason(err: Exception) -> str:
    """ONNX Runtime's message without its prefix and C++ location."""
    text = ' '.join(str(err).split())
    text = re.sub(r'^.*? failed:', '', text)
    text = re.sub(r'^\S+:\d+ [^(]*\([^)]*\) ', '', text)
    return text[:400]


class OnnxGraph:
    """A graph of an export: an ONNX Runtime session that takes and gives
    torch tensors, with its inputs and outputs checked against the spec.

    Args:
        export_dir (str): The export folder.
        name (str): Graph name (``clip``, ``backbone``...).
        spec (dict): Its ``deploy.json`` entry: ``file``, ``inputs`` and
            ``outputs`` (``{name: {'shape': [...], 'dtype': ...}}``,
            ``'batch'`` for the dynamic axis).
        opset (int): The export's opset (for the error message).
        device (str): ``'cpu'`` or ``'cuda[:i]'`` (see
            :func:`~.backend.providers`).

    Raises:
        FileNotFoundError: If the graph file is missing.
        ValueError: If ONNX Runtime cannot load it (e.g. an opset it does
            not run), or its inputs/outputs differ from the spec (a graph
            of another export): the message names the file, the expected
            and the found.
    """

    def __init__(self, export_dir: str, name: str, spec: dict, opset: int,
                 device: str = 'cpu') -> None:
        ort = import_onnxruntime()
        self.name = name
        self.path = osp.join(export_dir, spec['file'])
        self.inputs: Dict[str, dict] = spec['inputs']
        self.outputs: Dict[str, dict] = spec['outputs']
        if not osp.isfile(self.path):
            raise FileNotFoundError(
                f'ONNX graph {self.path} is missing: deploy.json lists it '
                f'as graph {name!r} (inputs {self._describe(self.inputs)}); '
                f'{_REEXPORT}')
        try:
            self.session = ort.InferenceSession(
                self.path, session_options(), providers=providers(device))
        except Exception as err:  # noqa: BLE001  ORT raises its own types
            raise ValueError(
                f'ONNX Runtime {ort.__version__} cannot load {self.path} '
                f'(opset {_graph_opset(self.path)}; deploy.json states '
                f'opset {opset}): {_reason(err)}; {_REEXPORT}, or use an '
                'ONNX Runtime that runs this opset') from err
        self._check_signature()

    @staticmethod
    def _describe(tensors: Dict[str, dict]) -> str:
        return ', '.join(f'{k} {v["shape"]} {v["dtype"]}'
                         for k, v in tensors.items())

    def _check_signature(self) -> None:
        """Names, static dims and input dtypes of the session vs the spec."""
        for kind, found, spec in (
                ('inputs', self.session.get_inputs(), self.inputs),
                ('outputs', self.session.get_outputs(), self.outputs)):
            if _differs(spec, found, check_dtype=kind == 'inputs'):
                got = ', '.join(f'{t.name} {list(t.shape)} {t.type}'
                                for t in found)
                raise ValueError(
                    f'{self.path} does not match deploy.json: {kind} {got}, '
                    f'expected {self._describe(spec)}; the graph comes from '
                    f'another export; {_REEXPORT}')

    def _check_shapes(self, tensors: List[Tensor]) -> None:
        for (key, want), tensor in zip(self.inputs.items(), tensors):
            shape = list(tensor.shape)
            if len(shape) != len(want['shape']) or any(
                    isinstance(w, int) and w != s
                    for w, s in zip(want['shape'], shape)):
                raise ValueError(f'{self.path}: input {key} must have shape '
                                 f'{want["shape"]}, got {shape}')

    def __call__(self, *tensors: Tensor) -> Tuple[Tensor, ...]:
        """Run the graph.

        Args:
            *tensors (Tensor): The inputs, in the spec's order (any device;
                cast to the spec's dtype).

        Returns:
            tuple[Tensor]: The outputs, float32 CPU tensors.
        """
        if len(tensors) != len(self.inputs):
            raise ValueError(f'{self.path} takes {len(self.inputs)} inputs '
                             f'({", ".join(self.inputs)}), got '
                             f'{len(tensors)}')
        self._check_shapes(list(tensors))
        feed = {
            key: np.ascontiguousarray(
                t.detach().cpu().numpy().astype(want['dtype'], copy=False))
            for (key, want), t in zip(self.inputs.items(), tensors)
        }
        return tuple(torch.from_numpy(out)
                     for out in self.session.run(None, feed))
