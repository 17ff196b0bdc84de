# Copyright (c) fami-pose-mm contributors. All rights reserved.
import pytest
import torch

from fami_pose_mm.models.utils import ModulatedDeformConv, deform_backend
from fami_pose_mm.models.utils import deform_ops

needs_mmcv_ops = pytest.mark.skipif(
    deform_ops._MMCV_KERNEL is None, reason='mmcv built without ops')

CASES = [
    # in, out, k, stride, padding, dilation, deform_groups
    (4, 6, 3, 1, 1, 1, 1),
    (8, 8, 3, 2, 1, 1, 2),
    (12, 12, 3, 1, 3, 3, 4),
    (6, 4, (3, 1), 1, (1, 0), 2, 3),
]


def _inputs(layer, batch=2, size=(9, 11), seed=0, dtype=torch.float64):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, layer.in_channels, *size, generator=gen,
                    dtype=dtype)
    h_out, w_out = (
        (size[i] + 2 * layer.padding[i] - layer.dilation[i] *
         (layer.kernel_size[i] - 1) - 1) // layer.stride[i] + 1
        for i in (0, 1))
    offset = 2.5 * torch.randn(batch, layer.offset_channels, h_out, w_out,
                               generator=gen, dtype=dtype)
    mask = torch.rand(batch, layer.mask_channels, h_out, w_out,
                      generator=gen, dtype=dtype)
    return x, offset, mask


def _run(layer, backend, x, offset, mask):
    layer.backend = backend
    layer.zero_grad()
    x, offset, mask = (t.clone().requires_grad_(True) for t in (x, offset, mask))
    out = layer(x, offset, mask)
    (out * torch.linspace(-1, 1, out.numel(), dtype=out.dtype).view_as(out)).sum().backward()
    return out.detach(), [t.grad for t in (x, offset, mask)] + [
        layer.weight.grad.clone(), layer.bias.grad.clone()]


@needs_mmcv_ops
@pytest.mark.parametrize('case', CASES)
def test_mmcv_and_torchvision_agree(case):
    cin, cout, k, stride, padding, dilation, dg = case
    torch.manual_seed(0)
    layer = ModulatedDeformConv(cin, cout, k, stride, padding, dilation,
                                deform_groups=dg).double()
    with torch.no_grad():
        layer.bias.normal_()
    inputs = _inputs(layer)
    out_mm, grads_mm = _run(layer, 'mmcv', *inputs)
    out_tv, grads_tv = _run(layer, 'torchvision', *inputs)
    assert out_mm.abs().max() > 0.1  # a real signal, not zeros
    torch.testing.assert_close(out_mm, out_tv, atol=1e-5, rtol=0)
    for name, g_mm, g_tv in zip(['x', 'offset', 'mask', 'weight', 'bias'], grads_mm, grads_tv):
        assert g_mm.abs().max() > 0, name
        torch.testing.assert_close(g_mm, g_tv, atol=1e-5, rtol=0, msg=name)


@pytest.mark.parametrize('case', CASES)
@pytest.mark.parametrize('conv_groups', [1, 2])
def test_grid_sample_and_torchvision_agree(case, conv_groups):
    cin, cout, k, stride, padding, dilation, dg = case
    torch.manual_seed(0)
    layer = ModulatedDeformConv(cin, cout, k, stride, padding, dilation,
                                groups=conv_groups, deform_groups=dg).double()
    with torch.no_grad():
        layer.bias.normal_()
    inputs = _inputs(layer)
    out_gs, grads_gs = _run(layer, 'grid_sample', *inputs)
    out_tv, grads_tv = _run(layer, 'torchvision', *inputs)
    assert out_gs.abs().max() > 0.1
    torch.testing.assert_close(out_gs, out_tv, atol=1e-9, rtol=0)
    for name, g_gs, g_tv in zip(['x', 'offset', 'mask', 'weight', 'bias'],
                                grads_gs, grads_tv):
        assert g_gs.abs().max() > 0, name
        torch.testing.assert_close(g_gs, g_tv, atol=1e-9, rtol=0, msg=name)


def test_grid_sample_samples_far_outside_as_zero():
    """Taps pushed outside the image read zeros, partly outside blend."""
    layer = ModulatedDeformConv(1, 1, 1, deform_groups=1,
                                backend='grid_sample').double()
    with torch.no_grad():
        layer.weight.fill_(1.0)
    x = torch.arange(1., 7., dtype=torch.float64).view(1, 1, 2, 3)
    mask = torch.ones(1, 1, 2, 3, dtype=torch.float64)
    offset = torch.zeros(1, 2, 2, 3, dtype=torch.float64)
    offset[:, 1] = 5.0  # every tap 5 px to the right: outside
    assert layer(x, offset, mask).abs().max() == 0
    offset[:, 1] = 0.5  # half a pixel right: last column blends with zero
    out = layer(x, offset, mask)[0, 0]
    expected = torch.tensor([[1.5, 2.5, 1.5], [4.5, 5.5, 3.0]],
                            dtype=torch.float64)
    torch.testing.assert_close(out, expected)


@pytest.mark.parametrize('backend', ['auto', 'torchvision', 'grid_sample'])
def test_zero_offset_unit_mask_is_plain_conv(backend):
    torch.manual_seed(1)
    layer = ModulatedDeformConv(5, 7, 3, padding=2, dilation=2, deform_groups=1,
                                backend=backend).double()
    x = torch.randn(1, 5, 10, 8, dtype=torch.float64)
    offset = torch.zeros(1, layer.offset_channels, 10, 8, dtype=torch.float64)
    mask = torch.ones(1, layer.mask_channels, 10, 8, dtype=torch.float64)
    expected = torch.nn.functional.conv2d(x, layer.weight, layer.bias, padding=2, dilation=2)
    torch.testing.assert_close(layer(x, offset, mask), expected, atol=1e-10, rtol=0)


def test_auto_picks_mmcv_when_built_with_ops():
    expected = 'mmcv' if deform_ops._MMCV_KERNEL is not None else 'torchvision'
    assert deform_backend('auto', torch.device('cpu')) == expected
    assert deform_backend('torchvision') == 'torchvision'
    assert deform_backend('grid_sample', torch.device('cpu')) == 'grid_sample'


def test_bad_arguments_name_the_value():
    with pytest.raises(ValueError, match='backend'):
        deform_backend('cudnn')
    with pytest.raises(ValueError, match='deform_groups'):
        ModulatedDeformConv(6, 6, 3, deform_groups=4)
    layer = ModulatedDeformConv(4, 4, 3, padding=1, deform_groups=2)
    x = torch.randn(1, 4, 5, 5)
    with pytest.raises(ValueError, match='channels'):
        layer(x, torch.zeros(1, 18, 5, 5), torch.ones(1, 9, 5, 5))


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_cuda_path_is_chosen_and_agrees():
    device = torch.device('cuda')
    assert deform_ops._MMCV_KERNEL is not None, 'mmcv has no compiled ops'
    assert deform_ops._MMCV_HAS_CUDA, 'mmcv was built without CUDA kernels'
    assert deform_backend('auto', device) == 'mmcv'
    torch.manual_seed(0)
    layer = ModulatedDeformConv(12, 12, 3, 1, 3, 3, deform_groups=4).to(device)
    x, offset, mask = (t.float().to(device) for t in _inputs(layer))
    out_mm, grads_mm = _run(layer, 'auto', x, offset, mask)
    out_tv, grads_tv = _run(layer, 'torchvision', x, offset, mask)
    torch.testing.assert_close(out_mm, out_tv, atol=1e-4, rtol=1e-4)
    for g_mm, g_tv in zip(grads_mm, grads_tv):
        torch.testing.assert_close(g_mm, g_tv, atol=1e-3, rtol=1e-3)
