# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The crop modes and the one rule of how each runs and exports."""
from types import SimpleNamespace

import pytest

from fami_pose_mm.utils.crop_modes import crop_mode_of, design_of


def test_own_models_stream_key_models_run_clips():
    assert design_of(None) == 'single_frame'
    assert design_of('key') == 'clip'
    assert design_of('own') == 'streaming'
    with pytest.raises(ValueError, match="crop_mode must be one of.*'all'"):
        design_of('all')


def test_crop_mode_of_a_model():
    assert crop_mode_of(SimpleNamespace(crop_mode='own')) == 'own'
    assert crop_mode_of(SimpleNamespace()) is None  # a single-frame model
