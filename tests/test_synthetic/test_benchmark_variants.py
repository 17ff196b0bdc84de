# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""run_benchmark.py reads each variant's run from its config: the model it
starts from, what loads that model, whether it adapts without labels, and
its epochs."""
import os.path as osp
import runpy

import pytest
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCRIPT = runpy.run_path(
    osp.join(REPO, 'tools', 'synthetic', 'run_benchmark.py'))
VARIANTS = [v for v, _ in SCRIPT['VARIANTS']]


def _cfg(variant: str) -> Config:
    return Config.fromfile(
        osp.join(REPO, 'configs', 'synthetic', f'{variant}.py'))


@pytest.fixture(autouse=True)
def at_repo(monkeypatch):
    monkeypatch.chdir(REPO)  # the script runs from the repository root


@pytest.mark.parametrize('variant', VARIANTS)
def test_the_plan_is_what_the_config_says(variant):
    plan = SCRIPT['variant_plan'](variant)
    cfg = _cfg(variant)
    assert plan['epochs'] == cfg.train_cfg.max_epochs
    assert plan['single_frame'] == (cfg.model.type == 'TopdownPoseEstimator')
    if plan['single_frame']:
        assert plan['start_from'] is None and plan['loads'] == []
        return
    single = _cfg(plan['start_from'])
    # the checkpoint of that single-frame variant loads into this backbone
    assert single.model.get('neck') is None
    assert cfg.model.backbone.type == single.model.backbone.type
    assert cfg.model.backbone.get('depth') == single.model.backbone.get(
        'depth')
    # backbone and head load it, and the MI predictor exactly when the
    # model has one
    parts = {key.split('.')[1] for key in plan['loads']}
    assert {'backbone', 'head'} <= parts
    assert ('mi_predictor' in parts) == (cfg.model.get('mi_predictor')
                                         is not None)


def test_which_variants_adapt_and_their_start():
    plans = {v: SCRIPT['variant_plan'](v) for v in VARIANTS}
    assert [v for v, p in plans.items() if p['adapt']] == ['f_fami_adapt']
    assert plans['d_res18_fami']['start_from'] == 'a_res18_single_frame'
    assert plans['d_fami']['start_from'] == 'a_single_frame'
    assert plans['b_gtm']['loads'] == [
        'model.backbone.init_cfg.checkpoint', 'model.head.init_cfg.checkpoint'
    ]
    # the full preset trains each variant for its config's epochs, quick 1
    assert SCRIPT['PRESETS']['full']['epochs'] is None
    assert SCRIPT['PRESETS']['quick']['epochs'] == 1
    assert (plans['a_single_frame']['epochs'], plans['d_fami']['epochs'],
            plans['f_fami_adapt']['epochs']) == (8, 3, 10)


def test_a_video_config_without_a_start_is_refused(tmp_path, monkeypatch):
    folder = tmp_path / 'configs' / 'synthetic'
    folder.mkdir(parents=True)
    (folder / 'x_fami.py').write_text(
        f"_base_ = ['{REPO}/configs/synthetic/d_fami.py']\n"
        'model = dict(backbone=dict(init_cfg=None))\n')
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match='x_fami.py: a video model whose '
                       'backbone loads no single-frame checkpoint'):
        SCRIPT['variant_plan']('x_fami')
