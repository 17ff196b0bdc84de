# Copyright (c) fami-pose-mm contributors. All rights reserved.
import pytest
import torch


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tiny tensors run fastest (and steadiest on a busy 2-core machine)
    on one thread; restore the setting afterwards."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
