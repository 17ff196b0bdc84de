# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Fixtures of the whole suite."""
import pytest
import torch


@pytest.fixture(autouse=True)
def _keep_torch_threads():
    """A command run in the test's process may set torch's CPU threads
    (the demo's ``--threads``): every test starts with the suite's."""
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)
