# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Session fixtures of the deployment tests."""
import pytest
import torch
from deploy_test_utils import export_design


@pytest.fixture(scope='session')
def exports(tmp_path_factory):
    """{design: (config path, checkpoint, export folder)}; the designs and
    ``'streaming_deconv'`` (the neck between two head deconvolutions,
    weighted fusion)."""
    pytest.importorskip('onnxruntime')
    tmp = tmp_path_factory.mktemp('onnx')
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        designs = ('single_frame', 'clip', 'streaming', 'streaming_deconv')
        return {design: export_design(tmp, design) for design in designs}
    finally:
        torch.set_num_threads(threads)


@pytest.fixture
def one_torch_thread():
    """One torch (and so ONNX Runtime) thread: fastest for the tiny models
    on a busy 2-core machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
