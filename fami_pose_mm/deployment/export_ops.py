# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Make a pose model exportable to standard ONNX, without changing its
values.

Two substitutions, both explicit and local to the model being exported:

* Every :class:`~fami_pose_mm.models.utils.deform_ops.ModulatedDeformConv`
  (the LCM) is switched to a kernel that ONNX can write: mmcv's and
  torchvision's compiled ops have none. At opset 19 and later that is
  ``'onnx'``, written as ONNX's ``DeformConv`` operator (ONNX Runtime's
  own kernel); before, ``'grid_sample'``, written as ``GridSample`` plus a
  matrix product. Both compute the same values (see ``deform_ops``).
* Every ``nn.AdaptiveAvgPool2d`` (the GTM's encoder) becomes
  :class:`MatrixAdaptiveAvgPool2d` for the input size it meets: ONNX's
  ``AveragePool`` cannot express adaptive pooling when the output size
  does not divide the input size (a 12 x 9 map pooled to 4 x 4), two
  fixed matrix products can.
"""
from typing import Callable, Dict, Tuple

import torch
import torch.nn as nn
from torch import Tensor

from ..models.utils.deform_ops import DEFORM_CONV_OPSET, ModulatedDeformConv


#: The custom op of the ``'onnx'`` deform-conv kernel.
DEFORM_CONV_OP = 'fami_pose_mm::deform_conv2d'


def _deform_conv_symbolic(g, x, offset, mask, weight, bias, stride, padding,
                          dilation, groups, deform_groups):
    """ONNX ``DeformConv`` (opset 19) of the ``'onnx'`` deform-conv
    kernel (``deform_ops``; same offset layout, masks after the
    sigmoid)."""
    from torch.onnx import symbolic_helper as sym
    stride, padding, dilation = (sym._maybe_get_const(v, 'is')
                                 for v in (stride, padding, dilation))
    kh, kw = sym._get_tensor_sizes(weight)[-2:]
    return g.op('DeformConv', x, weight, offset, bias, mask,
                dilations_i=list(dilation),
                group_i=sym._maybe_get_const(groups, 'i'),
                kernel_shape_i=[kh, kw],
                offset_group_i=sym._maybe_get_const(deform_groups, 'i'),
                pads_i=[padding[0], padding[1], padding[0], padding[1]],
                strides_i=list(stride))


def register_deform_conv_symbolic() -> None:
    """Teach torch's TorchScript exporter to write the ``'onnx'`` kernel
    as ``DeformConv`` (idempotent)."""
    torch.onnx.register_custom_op_symbolic(DEFORM_CONV_OP,
                                           _deform_conv_symbolic,
                                           DEFORM_CONV_OPSET)


def export_deform_backend(opset: int) -> str:
    """The deform-conv kernel of graphs exported at ``opset``: ``'onnx'``
    (the ``DeformConv`` operator) from opset 19, else ``'grid_sample'``."""
    return 'onnx' if opset >= DEFORM_CONV_OPSET else 'grid_sample'


def _pool_matrix(size: int, out: int) -> Tensor:
    """(out, size) averaging weights of PyTorch's adaptive pooling: output
    cell i averages inputs ``floor(i * size / out)`` to
    ``ceil((i + 1) * size / out) - 1``."""
    mat = torch.zeros(out, size)
    for i in range(out):
        start, end = (i * size) // out, -(-((i + 1) * size) // out)
        mat[i, start:end] = 1.0 / (end - start)
    return mat


class MatrixAdaptiveAvgPool2d(nn.Module):
    """``nn.AdaptiveAvgPool2d`` for one input size, as ``R @ x @ C``.

    Args:
        in_size (tuple[int, int]): Input (h, w).
        out_size (tuple[int, int]): Output (h', w').

    Raises:
        ValueError: If a size is not positive.
    """

    def __init__(self, in_size: Tuple[int, int],
                 out_size: Tuple[int, int]) -> None:
        super().__init__()
        if min(*in_size, *out_size) < 1:
            raise ValueError(f'pool sizes must be positive, got in_size '
                             f'{in_size} and out_size {out_size}')
        self.in_size = tuple(in_size)
        self.register_buffer('rows', _pool_matrix(in_size[0], out_size[0]),
                             False)
        self.register_buffer('cols',
                             _pool_matrix(in_size[1], out_size[1]).t(),
                             False)

    def forward(self, x: Tensor) -> Tensor:
        """(B, C, h, w) -> (B, C, h', w'); the input size is checked."""
        if tuple(x.shape[-2:]) != self.in_size:
            raise ValueError(f'MatrixAdaptiveAvgPool2d was made for inputs '
                             f'of size {self.in_size}, got '
                             f'{tuple(x.shape)}')
        return self.rows @ x @ self.cols


def prepare_for_export(model: nn.Module, run_example: Callable[[], object],
                       opset: int) -> Dict[str, int]:
    """Apply the two substitutions of the module docstring, in place.

    Args:
        model (nn.Module): The pose model (eval mode).
        run_example (Callable): Runs the model on an example input, once,
            so that each pooling layer's input size is seen.
        opset (int): The ONNX opset written (chooses the deform-conv
            kernel, :func:`export_deform_backend`).

    Returns:
        dict: ``deform_convs`` and ``adaptive_pools`` switched.
    """
    register_deform_conv_symbolic()
    deform = 0
    for module in model.modules():
        if isinstance(module, ModulatedDeformConv):
            module.backend = export_deform_backend(opset)
            deform += 1
    sizes = {}

    def seen(module, args, out) -> None:  # a hook returning None
        sizes.setdefault(module, (tuple(args[0].shape[-2:]),
                                  tuple(out.shape[-2:])))

    hooks = [
        module.register_forward_hook(seen) for module in model.modules()
        if isinstance(module, nn.AdaptiveAvgPool2d)
    ]
    try:
        with torch.no_grad():
            run_example()
    finally:
        for hook in hooks:
            hook.remove()
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if child in sizes:
                setattr(parent, name, MatrixAdaptiveAvgPool2d(*sizes[child]))
    return dict(deform_convs=deform, adaptive_pools=len(sizes))
