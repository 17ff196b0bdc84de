# Copyright (c) fami-pose-mm contributors. All rights reserved.
import math

import pytest
import torch

from fami_pose_mm.models.losses import FAMIMutualInfoLoss
from fami_pose_mm.models.losses.fami_mi_loss import TERMS

B, N, K, C, H, W = 2, 2, 3, 4, 6, 5
SECOND = dict(y_aligned='aligned_hm', key_aligned='aligned',
              y_support='support_hm', support_aligned='aligned',
              y_key='key_hm', key_aligned_reg='aligned')


def _inputs(fill=None, grad=False):
    shapes = dict(label=(B, K, H, W), key_hm=(B, K, H, W),
                  support_hm=(B, N, K, H, W), aligned_hm=(B, N, K, H, W),
                  key=(B, C, H, W), support=(B, N, C, H, W),
                  aligned=(B, N, C, H, W))
    out = {}
    for name, shape in shapes.items():
        value = torch.randn(shape) if fill is None else torch.full(shape, fill)
        out[name] = value.requires_grad_(grad)
    return out


@pytest.mark.parametrize('fill', [0.0, 1e30, 3e38])
def test_finite_and_bounded(fill):
    loss = FAMIMutualInfoLoss(beta=1.0, reg_weight=1.0, loss_weight=1.0)
    inputs = _inputs(fill)
    torch.manual_seed(0)
    huge = _inputs() if fill else None
    if huge is not None:  # mixed signs, values near the float32 limit
        inputs = {k: v * fill for k, v in huge.items()}
        inputs = {k: v.clamp(-3e38, 3e38) for k, v in inputs.items()}
    losses = loss(**inputs)
    assert set(losses) == {f'loss_mi_{t}' for t in TERMS}
    for name, value in losses.items():
        assert torch.isfinite(value), name
        if TERMS[name[len('loss_mi_'):]][2] == 'js':
            assert -math.log(2) - 1e-6 <= value.item() <= 0.0
        else:
            assert 0.0 <= value.item() <= 2 * 1e4 + 1
    if fill == 0.0:  # uniform vs uniform: every divergence is 0
        assert all(abs(v.item()) < 1e-6 for v in losses.values())


def test_non_finite_raises():
    inputs = _inputs()
    inputs['aligned'][0, 0, 0, 0, 0] = float('nan')
    with pytest.raises(ValueError, match="'aligned'"):
        FAMIMutualInfoLoss()(**inputs)


def test_stop_gradient_on_target_side():
    torch.manual_seed(0)
    inputs = _inputs(grad=True)
    sum(FAMIMutualInfoLoss()(**inputs).values()).backward()
    for target in ('label', 'key', 'support'):
        assert inputs[target].grad is None, target
    for learner in ('key_hm', 'support_hm', 'aligned_hm', 'aligned'):
        assert inputs[learner].grad.abs().sum() > 0, learner


def test_constructed_key_aligned_term():
    """-JS: 0 when zt~ copies z_t, -log 2 (x weights) when disjoint."""
    loss = FAMIMutualInfoLoss(beta=0.1, loss_weight=0.5,
                              terms=('key_aligned', ))
    inputs = _inputs(0.0)
    inputs['key'][..., 0, 0] = 10.0
    inputs['aligned'] = inputs['key'].unsqueeze(1).repeat(1, N, 1, 1, 1)
    assert abs(loss(**inputs)['loss_mi_key_aligned'].item()) < 1e-6
    inputs['aligned'] = torch.zeros(B, N, C, H, W)
    inputs['aligned'][..., -1, -1] = 10.0
    value = loss(**inputs)['loss_mi_key_aligned'].item()
    assert value == pytest.approx(-math.log(2) * 0.05, rel=1e-4)


@pytest.mark.parametrize('term', list(TERMS))
def test_each_term_moves_in_intended_direction(term):
    """A few descent steps on the learning side: KL terms shrink (MI up),
    JS terms grow (MI down), so each loss value falls."""
    torch.manual_seed(0)
    loss = FAMIMutualInfoLoss(
        tau=1.0, beta=1.0, reg_weight=1.0, loss_weight=1.0, terms=(term, ))
    inputs = _inputs()
    learner = inputs[SECOND[term]].requires_grad_(True)
    optim = torch.optim.Adam([learner], lr=0.2)
    values = []
    for _ in range(30):
        value = loss(**inputs)[f'loss_mi_{term}']
        values.append(value.item())
        optim.zero_grad()
        value.backward()
        optim.step()
    estimator = TERMS[term][2]
    if estimator == 'kl':  # KL driven towards 0 (about 0.9 -> 0.015)
        assert values[0] > 0.5 and values[-1] < 0.05
    else:  # -JS driven towards -log 2 (about -0.2 -> -0.58)
        assert values[-1] < values[0] - 0.3
        assert values[-1] >= -math.log(2)


def test_aggregated_feature_broadcasts():
    inputs = _inputs()
    inputs['aligned'] = inputs['aligned'][:, :1]
    inputs['aligned_hm'] = inputs['aligned_hm'][:, :1]
    losses = FAMIMutualInfoLoss()(**inputs)
    assert all(torch.isfinite(v) for v in losses.values())
    with pytest.raises(ValueError, match='unknown MI terms'):
        FAMIMutualInfoLoss(terms=('y_everything', ))
