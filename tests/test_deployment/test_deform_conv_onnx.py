# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The deform conv written as ONNX's DeformConv: ONNX Runtime's kernel
gives the PyTorch values, for every layout the LCM can use."""
import onnx
import onnxruntime as ort
import pytest
import torch

from fami_pose_mm.deployment.export_ops import (export_deform_backend,
                                                register_deform_conv_symbolic)
from fami_pose_mm.models.utils import ModulatedDeformConv

CASES = [
    # in, out, k, stride, padding, dilation, deform_groups, bias
    (4, 6, 3, 1, 1, 1, 1, True),
    (8, 8, 3, 2, 1, 1, 2, True),
    (12, 12, 3, 1, 3, 3, 4, False),
    (6, 4, (3, 1), 1, (1, 0), 2, 3, True),
]


class _Layer(torch.nn.Module):
    def __init__(self, layer):
        super().__init__()
        self.layer = layer

    def forward(self, x, offset, mask):
        return self.layer(x, offset, mask)


@pytest.mark.parametrize('case', CASES)
def test_deform_conv_node_equals_pytorch(tmp_path, case):
    cin, cout, k, stride, padding, dilation, dg, bias = case
    torch.manual_seed(0)
    layer = ModulatedDeformConv(cin, cout, k, stride, padding, dilation,
                                deform_groups=dg, bias=bias,
                                backend='grid_sample').eval()
    if bias:
        torch.nn.init.normal_(layer.bias)
    x = torch.randn(2, cin, 9, 11)
    kh, kw = layer.kernel_size
    h_out = (9 + 2 * layer.padding[0] - dilation * (kh - 1) - 1) // \
        layer.stride[0] + 1
    w_out = (11 + 2 * layer.padding[1] - dilation * (kw - 1) - 1) // \
        layer.stride[1] + 1
    offset = 2.5 * torch.randn(2, layer.offset_channels, h_out, w_out)
    mask = torch.rand(2, layer.mask_channels, h_out, w_out)
    with torch.no_grad():
        want = layer(x, offset, mask)
        layer.backend = export_deform_backend(20)
        assert layer.backend == 'onnx'
        torch.testing.assert_close(layer(x, offset, mask), want)
    register_deform_conv_symbolic()
    path = str(tmp_path / 'dcn.onnx')
    torch.onnx.export(_Layer(layer), (x, offset, mask), path, dynamo=False,
                      opset_version=20, input_names=['x', 'offset', 'mask'],
                      output_names=['y'])
    ops = [n.op_type for n in onnx.load(path).graph.node]
    assert ops.count('DeformConv') == 1 and 'GridSample' not in ops
    got = ort.InferenceSession(path, providers=['CPUExecutionProvider']).run(
        None, dict(x=x.numpy(), offset=offset.numpy(), mask=mask.numpy()))[0]
    assert want.abs().max() > 0.1
    torch.testing.assert_close(torch.from_numpy(got), want, atol=1e-5,
                               rtol=0)


def test_opsets_before_deform_conv_use_grid_sample():
    assert export_deform_backend(18) == 'grid_sample'
    assert export_deform_backend(19) == 'onnx'
