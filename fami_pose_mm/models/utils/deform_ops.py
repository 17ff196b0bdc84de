# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The one place that chooses the modulated deformable convolution kernel.

Three kernels compute DCNv2 (Zhu et al., 2019):

* ``'mmcv'``: ``mmcv.ops.modulated_deform_conv2d``, compiled into mmcv when it
  is built with ``MMCV_WITH_OPS=1``. It runs mmcv's CUDA kernel on GPU
  tensors (when mmcv was built with CUDA) and its CPU kernel otherwise.
* ``'torchvision'``: ``torchvision.ops.deform_conv2d`` with a mask, a
  fallback that always exists.
* ``'onnx'``: for ONNX export: computes as ``'grid_sample'`` in
  PyTorch, and is written as ONNX's ``DeformConv`` operator (opset 19 and
  later), which ONNX Runtime runs with its own kernel (about 2.5x faster on
  the CPU than the ``GridSample`` form of ``'grid_sample'`` at W48's LCM
  size, and the same values).
* ``'grid_sample'``: bilinear sampling of every kernel tap with
  ``torch.nn.functional.grid_sample`` followed by one matrix product, in
  plain PyTorch ops. Same values and gradients as the other two (zero
  outside the image, bilinear inside); on the CPU its backward is several
  times faster than either compiled kernel at LCM sizes (measured by
  ``tools/analysis/benchmark_deform_conv.py``), at the cost of holding the
  sampled columns (B, C_in * kh * kw, H_out * W_out) in memory.

All read the same weight ``(C_out, C_in // groups, kh, kw)`` and the same
offset layout: for deform group ``g`` and kernel position ``k`` (row-major
over ``kh x kw``), channel ``2 * (g * kh * kw + k)`` holds the vertical and
the next channel the horizontal offset, in input pixels. Masks have
``deform_groups * kh * kw`` channels and are used as given (apply the
sigmoid before calling).
"""
import math
from typing import Callable, List, Optional, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision.ops
from torch import Tensor
from torch.nn.modules.utils import _pair

BACKENDS = ('auto', 'mmcv', 'torchvision', 'grid_sample', 'onnx')
_DIRECT = ('torchvision', 'grid_sample', 'onnx')
#: The first ONNX opset with ``DeformConv``.
DEFORM_CONV_OPSET = 19


def _load_mmcv_kernel() -> Tuple[Optional[Callable], bool]:
    """Return mmcv's compiled function (None without ops) and whether mmcv
    was compiled with its CUDA kernels."""
    try:
        from mmcv.ops import get_compiling_cuda_version, modulated_deform_conv2d
    except (ImportError, OSError):
        return None, False
    return modulated_deform_conv2d, get_compiling_cuda_version() not in (
        'not available', '')


_MMCV_KERNEL, _MMCV_HAS_CUDA = _load_mmcv_kernel()


def deform_backend(requested: str = 'auto', device: Optional[torch.device] = None) -> str:
    """Resolve which kernel serves a call.

    Args:
        requested (str): One of ``BACKENDS``. ``'torchvision'`` and
            ``'grid_sample'`` (and ``'onnx'``) are taken as asked. ``'auto'`` takes mmcv's
            compiled kernel whenever mmcv was built with ops (its CUDA
            kernel on a GPU tensor, its CPU kernel on a CPU tensor), else
            torchvision. On a GPU tensor with an mmcv
            built without CUDA kernels it takes torchvision's CUDA kernel.
        device (torch.device, optional): Where the call runs. Defaults to
            the CPU.

    Returns:
        str: ``'mmcv'``, ``'torchvision'``, ``'grid_sample'`` or
        ``'onnx'``.
    """
    if requested not in BACKENDS:
        raise ValueError(f'deform conv backend must be one of {BACKENDS}, '
                         f'got {requested!r}')
    if requested in _DIRECT:
        return requested
    if _MMCV_KERNEL is None:
        if requested == 'mmcv':
            raise RuntimeError(
                "deform conv backend 'mmcv' was requested but mmcv has no "
                'compiled ops (mmcv.ops could not be imported); rebuild mmcv '
                'with MMCV_WITH_OPS=1 (see tools/build_mmcv_wheel.sh) or use '
                "backend='auto'")
        return 'torchvision'
    on_cuda = device is not None and torch.device(device).type == 'cuda'
    if on_cuda and not _MMCV_HAS_CUDA:
        if requested == 'mmcv':
            raise RuntimeError(
                "deform conv backend 'mmcv' was requested on a CUDA tensor but "
                'mmcv was compiled without CUDA kernels; rebuild it on a '
                "machine with nvcc (FORCE_CUDA=1) or use backend='auto'")
        return 'torchvision'
    return 'mmcv'


def _grid_sample_deform_conv2d(x: Tensor, offset: Tensor, mask: Tensor,
                               weight: Tensor, bias: Optional[Tensor],
                               stride: Tuple[int, int],
                               padding: Tuple[int, int],
                               dilation: Tuple[int, int], groups: int,
                               deform_groups: int) -> Tensor:
    """DCNv2 from ``grid_sample`` and a matrix product (see module doc).

    Tap ``k = (i, j)`` of output cell ``(p, q)`` samples the input at
    ``(p * s_h - pad_h + i * d_h + dy, q * s_w - pad_w + j * d_w + dx)``;
    ``align_corners=False`` maps pixel ``u`` to ``(2u + 1) / size - 1``, so
    zero padding reproduces the compiled kernels' border handling.
    """
    b, c_in, h, w = x.shape
    c_out, _, kh, kw = weight.shape
    h_out, w_out = offset.shape[-2:]
    taps = kh * kw
    kwargs = dict(device=x.device, dtype=x.dtype)
    rows = torch.arange(h_out, **kwargs) * stride[0] - padding[0]
    cols = torch.arange(w_out, **kwargs) * stride[1] - padding[1]
    tap_rows = (torch.arange(kh, **kwargs) * dilation[0]).repeat_interleave(kw)
    tap_cols = (torch.arange(kw, **kwargs) * dilation[1]).repeat(kh)
    offset = offset.to(x.dtype).reshape(b, deform_groups, taps, 2, h_out,
                                        w_out)
    y = offset[:, :, :, 0] + (tap_rows.view(taps, 1, 1) + rows.view(h_out, 1))
    x_pos = offset[:, :, :, 1] + (tap_cols.view(taps, 1, 1) + cols)
    grid = torch.stack([(2 * x_pos + 1) / w - 1, (2 * y + 1) / h - 1], dim=-1)
    sampled = F.grid_sample(
        x.reshape(b * deform_groups, c_in // deform_groups, h, w),
        grid.view(b * deform_groups, taps * h_out, w_out, 2),
        mode='bilinear',
        padding_mode='zeros',
        align_corners=False)
    sampled = sampled.view(b, deform_groups, c_in // deform_groups, taps,
                           h_out, w_out) * mask.reshape(
                               b, deform_groups, 1, taps, h_out, w_out)
    # columns ordered (input channel, tap) as the flattened weight
    columns = sampled.view(b, groups, c_in // groups * taps, h_out * w_out)
    out = torch.einsum('gok,bgkl->bgol',
                       weight.view(groups, c_out // groups, -1), columns)
    out = out.reshape(b, c_out, h_out, w_out)
    if bias is not None:
        out = out + bias.view(1, -1, 1, 1)
    return out


@torch.library.custom_op('fami_pose_mm::deform_conv2d', mutates_args=())
def _onnx_deform_conv2d(x: Tensor, offset: Tensor, mask: Tensor,
                        weight: Tensor, bias: Tensor, stride: List[int],
                        padding: List[int], dilation: List[int], groups: int,
                        deform_groups: int) -> Tensor:
    """The ``'onnx'`` kernel: ``_grid_sample_deform_conv2d`` when run, one
    ``DeformConv`` node when exported (the symbolic is registered by
    ``fami_pose_mm.deployment.export_ops``)."""
    return _grid_sample_deform_conv2d(x, offset, mask, weight, bias,
                                      tuple(stride), tuple(padding),
                                      tuple(dilation), groups, deform_groups)


@_onnx_deform_conv2d.register_fake
def _(x, offset, mask, weight, bias, stride, padding, dilation, groups,
      deform_groups):
    return x.new_empty(x.shape[0], weight.shape[0], *offset.shape[-2:])


def modulated_deform_conv2d(x: Tensor,
                            offset: Tensor,
                            mask: Tensor,
                            weight: Tensor,
                            bias: Optional[Tensor] = None,
                            stride: Union[int, Tuple[int, int]] = 1,
                            padding: Union[int, Tuple[int, int]] = 0,
                            dilation: Union[int, Tuple[int, int]] = 1,
                            groups: int = 1,
                            deform_groups: int = 1,
                            backend: str = 'auto') -> Tensor:
    """Modulated deformable convolution through the selected kernel.

    Args:
        x (Tensor): Input of shape (B, C_in, H, W).
        offset (Tensor): Offsets (B, 2 * deform_groups * kh * kw, H_out,
            W_out), in input pixels, (dy, dx) pairs.
        mask (Tensor): Modulation (B, deform_groups * kh * kw, H_out, W_out).
        weight (Tensor): (C_out, C_in // groups, kh, kw).
        bias (Tensor, optional): (C_out,).
        stride, padding, dilation: As ``nn.Conv2d``.
        groups (int): Convolution groups.
        deform_groups (int): Offset groups; must match ``offset``.
        backend (str): See :func:`deform_backend`.

    Returns:
        Tensor: (B, C_out, H_out, W_out).
    """
    kh, kw = weight.shape[-2:]
    expected = 2 * deform_groups * kh * kw
    if offset.shape[1] != expected or mask.shape[1] != expected // 2:
        raise ValueError(
            f'offset/mask have {offset.shape[1]}/{mask.shape[1]} channels, '
            f'expected {expected}/{expected // 2} for deform_groups='
            f'{deform_groups} and a {kh}x{kw} kernel')
    backend_name = deform_backend(backend, x.device)
    if backend_name == 'mmcv':
        # mmcv's kernel wants matching dtypes and contiguous inputs.
        offset = offset.to(x.dtype).contiguous()
        mask = mask.to(x.dtype).contiguous()
        out = _MMCV_KERNEL(x.contiguous(), offset, mask, weight, bias,
                           _pair(stride), _pair(padding), _pair(dilation),
                           groups, deform_groups)
        return out
    if groups != 1 and weight.shape[1] * groups != x.shape[1]:
        raise ValueError(f'weight expects {weight.shape[1] * groups} input '
                         f'channels with groups={groups}, got {x.shape[1]}')
    if backend_name == 'onnx':
        if bias is None:  # DeformConv's bias input, constant in the graph
            bias = weight.new_zeros(weight.shape[0])
        return _onnx_deform_conv2d(x, offset, mask.to(x.dtype), weight,
                                   bias, list(_pair(stride)),
                                   list(_pair(padding)),
                                   list(_pair(dilation)), groups,
                                   deform_groups)
    if backend_name == 'grid_sample':
        return _grid_sample_deform_conv2d(x, offset, mask.to(x.dtype), weight,
                                          bias, _pair(stride), _pair(padding),
                                          _pair(dilation), groups,
                                          deform_groups)
    return torchvision.ops.deform_conv2d(
        x,
        offset,
        weight,
        bias,
        stride=_pair(stride),
        padding=_pair(padding),
        dilation=_pair(dilation),
        mask=mask)


class ModulatedDeformConv(nn.Module):
    """A DCNv2 layer whose offsets and masks are given by the caller.

    One constructor and one weight layout for both kernels, so a checkpoint
    trained with one kernel loads and runs with the other.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        kernel_size (int | tuple): Kernel size.
        stride (int | tuple): Stride. Defaults to 1.
        padding (int | tuple): Zero padding. Defaults to 0.
        dilation (int | tuple): Dilation. Defaults to 1.
        groups (int): Convolution groups. Defaults to 1.
        deform_groups (int): Offset groups. Defaults to 1.
        bias (bool): Whether to add a bias. Defaults to True.
        backend (str): ``'auto'`` (mmcv ops when built, else torchvision),
            ``'mmcv'``, ``'torchvision'``, ``'grid_sample'`` or ``'onnx'``
            (export). Defaults to ``'auto'``.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: Union[int, Tuple[int, int]],
                 stride: Union[int, Tuple[int, int]] = 1,
                 padding: Union[int, Tuple[int, int]] = 0,
                 dilation: Union[int, Tuple[int, int]] = 1,
                 groups: int = 1,
                 deform_groups: int = 1,
                 bias: bool = True,
                 backend: str = 'auto') -> None:
        super().__init__()
        for name, value in (('in_channels', in_channels),
                            ('out_channels', out_channels),
                            ('groups', groups),
                            ('deform_groups', deform_groups)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f'{name} must be a positive int, got {value!r}')
        if in_channels % groups or out_channels % groups:
            raise ValueError(f'in_channels ({in_channels}) and out_channels '
                             f'({out_channels}) must be divisible by groups '
                             f'({groups})')
        if in_channels % deform_groups:
            raise ValueError(f'in_channels ({in_channels}) must be divisible '
                             f'by deform_groups ({deform_groups})')
        deform_backend(backend)  # validate early
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _pair(kernel_size)
        self.stride = _pair(stride)
        self.padding = _pair(padding)
        self.dilation = _pair(dilation)
        self.groups = groups
        self.deform_groups = deform_groups
        self.backend = backend
        self.weight = nn.Parameter(
            torch.empty(out_channels, in_channels // groups, *self.kernel_size))
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None
        self.reset_parameters()

    @property
    def offset_channels(self) -> int:
        """Channels the offset tensor must have."""
        return 2 * self.deform_groups * self.kernel_size[0] * self.kernel_size[1]

    @property
    def mask_channels(self) -> int:
        """Channels the mask tensor must have."""
        return self.deform_groups * self.kernel_size[0] * self.kernel_size[1]

    def reset_parameters(self) -> None:
        """Kaiming-uniform weights as ``nn.Conv2d``; zero bias."""
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            nn.init.zeros_(self.bias)

    def forward(self, x: Tensor, offset: Tensor, mask: Tensor) -> Tensor:
        """Apply the deformable convolution.

        Args:
            x (Tensor): (B, C_in, H, W).
            offset (Tensor): (B, offset_channels, H_out, W_out).
            mask (Tensor): (B, mask_channels, H_out, W_out), e.g. a sigmoid.

        Returns:
            Tensor: (B, C_out, H_out, W_out).
        """
        return modulated_deform_conv2d(x, offset, mask, self.weight,
                                       self.bias, self.stride, self.padding,
                                       self.dilation, self.groups,
                                       self.deform_groups, self.backend)

    def extra_repr(self) -> str:
        return (f'{self.in_channels}, {self.out_channels}, '
                f'kernel_size={self.kernel_size}, stride={self.stride}, '
                f'padding={self.padding}, dilation={self.dilation}, '
                f'groups={self.groups}, deform_groups={self.deform_groups}, '
                f'backend={self.backend!r}')
