# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""run_benchmark.py's naming rules agree with each variant's config."""
import os.path as osp
import runpy

import pytest
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCRIPT = runpy.run_path(
    osp.join(REPO, 'tools', 'synthetic', 'run_benchmark.py'))
VIDEO = [v for v, _ in SCRIPT['VARIANTS'] if not v.startswith('a_')]


def _model(variant: str) -> dict:
    return Config.fromfile(
        osp.join(REPO, 'configs', 'synthetic', f'{variant}.py')).model


@pytest.mark.parametrize('variant', VIDEO)
def test_starting_model_and_mi_predictor_match_the_config(variant):
    model = _model(variant)
    single = _model(SCRIPT['starts_from'](variant))
    # the checkpoint of that single-frame variant loads into this backbone
    assert model.backbone.type == single.backbone.type
    assert model.backbone.get('depth') == single.backbone.get('depth')
    # the MI predictor is loaded exactly when the config has one
    has_mi = model.get('mi_predictor') is not None
    assert variant.startswith(SCRIPT['WITH_MI_PREFIXES']) == has_mi
