# Copyright (c) fami-pose-mm contributors. All rights reserved.
import pytest
import torch

from fami_pose_mm.models.necks import FAMINeck

GTM = dict(mid_channels=8, hidden_dim=16)
LCM = dict(deform_groups=2, backend='torchvision')


def _randomise_predictors(neck: FAMINeck) -> None:
    """Make theta, offsets and masks depend on the inputs."""
    torch.nn.init.normal_(neck.gtm.mlp[-1].weight, std=0.05)
    for conv in list(neck.lcm.offset_convs) + list(neck.lcm.mask_convs):
        torch.nn.init.normal_(conv.weight, std=0.1)


@pytest.mark.parametrize('lcm_mode,fusion', [('per_frame', 'sum'),
                                             ('aggregated', 'concat'),
                                             ('per_frame', 'weighted')])
def test_aligned_ignores_key_values_when_params_held(lcm_mode, fusion):
    torch.manual_seed(0)
    neck = FAMINeck(8, num_frames=3, gtm=dict(GTM, dof=6),
                    lcm=dict(LCM, mode=lcm_mode, num_cascades=2),
                    fusion=fusion, num_res_blocks=1).eval()
    _randomise_predictors(neck)
    feats = torch.randn(2, 3, 8, 12, 10)
    out = neck(feats)
    changed = feats.clone()
    changed[:, 0] = torch.randn(2, 8, 12, 10) * 3
    held = neck(changed, params=out['params'])
    assert torch.equal(held['aligned'], out['aligned'])
    assert torch.equal(held['warped'], out['warped'])
    # without holding, the key frame does steer the alignment
    free = neck(changed)
    assert not torch.allclose(free['aligned'], out['aligned'])
    m = 1 if lcm_mode == 'aggregated' else 2
    assert out['aligned'].shape == (2, m, 8, 12, 10)
    assert out['fused'].shape == (2, 8, 12, 10)
    assert out['params']['theta'].shape == (2, 2, 2, 3)


def test_gtm_identity_and_sum_fusion_at_init():
    torch.manual_seed(0)
    neck = FAMINeck(8, num_frames=5, gtm=GTM, lcm=None, fusion='sum')
    neck.init_weights()
    feats = torch.randn(2, 5, 8, 6, 6)
    out = neck(feats)
    assert (out['aligned'] - feats[:, 1:]).abs().max() < 1e-5
    expected = feats[:, 0] + feats[:, 1:].sum(dim=1)
    assert (out['fused'] - expected).abs().max() < 1e-4


def test_mean_fusion_is_the_sum_over_the_frames_and_mixes_behind_the_gate():
    torch.manual_seed(0)
    feats = torch.randn(2, 5, 8, 6, 6)
    mean = FAMINeck(8, num_frames=5, gtm=None, lcm=None, fusion='mean')
    total = FAMINeck(8, num_frames=5, gtm=None, lcm=None, fusion='sum')
    assert torch.allclose(mean(feats)['fused'], total(feats)['fused'] / 5)
    assert torch.allclose(mean(feats)['fused'], feats.mean(dim=1), atol=1e-6)
    # behind the gate: (1 - g) z_t + g mean, so at g = 1 the key frame has
    # the supporting frames' weight, 1 / 5 (the sum keeps it at 1)
    gated = FAMINeck(8, num_frames=5, gtm=None, lcm=None, fusion='mean',
                     gate=True)
    with torch.no_grad():
        gated.gate.weight.fill_(0.5)
    expected = 0.5 * feats[:, 0] + 0.5 * feats.mean(dim=1)
    assert torch.allclose(gated(feats)['fused'], expected, atol=1e-6)


def test_weighted_fusion_starts_as_the_mean_even_after_a_configured_init():
    torch.manual_seed(0)
    neck = FAMINeck(
        8, num_frames=5, gtm=None, lcm=None, fusion='weighted',
        init_cfg=dict(type='Normal', layer='Conv2d', std=0.5))
    neck.init_weights()
    feats = torch.randn(2, 5, 8, 6, 6)
    out = neck(feats)
    assert (out['fused'] - feats.mean(dim=1)).abs().max() < 1e-5
    # the configured init did reach the rest of the score net
    assert neck.score[0].weight.std() > 0.3


def test_weighted_fusion_learns_to_lean_on_the_key_frame():
    # target = key; supporting features agree with it on the left half and
    # are noise on the right: the weights must learn to drop the noise there
    torch.manual_seed(0)
    neck = FAMINeck(8, num_frames=3, gtm=None, lcm=None, fusion='weighted')
    optim = torch.optim.Adam(neck.parameters(), lr=1e-2)

    def batch():
        key = torch.randn(4, 8, 6, 8)
        support = key.unsqueeze(1).repeat(1, 2, 1, 1, 1)
        support[..., 4:] = torch.randn(4, 2, 8, 6, 4) * 2
        return torch.cat([key.unsqueeze(1), support], dim=1), key

    feats, key = batch()
    start = (neck(feats)['fused'] - key)[..., 4:].pow(2).mean().item()
    for _ in range(150):
        feats, key = batch()
        loss = (neck(feats)['fused'] - key).pow(2).mean()
        optim.zero_grad()
        loss.backward()
        optim.step()
    neck.eval()
    feats, key = batch()
    out = neck(feats)
    end = (out['fused'] - key)[..., 4:].pow(2).mean().item()
    assert start > 1.0  # the mean of the key and two noise maps
    assert end < 0.25 * start
    # where the frames agree the fusion still equals the key frame
    assert (out['fused'] - key)[..., :4].abs().max() < 1e-4


@pytest.mark.parametrize('fusion', ['sum', 'mean', 'concat', 'weighted'])
def test_closed_gate_outputs_the_key_frame_and_opens_by_learning(fusion):
    torch.manual_seed(0)
    neck = FAMINeck(8, num_frames=3, gtm=dict(GTM, dof=6),
                    lcm=dict(LCM, mode='per_frame'), fusion=fusion,
                    num_res_blocks=1, gate=True,
                    init_cfg=dict(type='Normal', layer='Conv2d', std=0.5))
    neck.init_weights()  # a configured init leaves the gate closed
    _randomise_predictors(neck)
    assert neck.gate.weight.shape == (1, 8, 1, 1)
    feats = torch.randn(2, 3, 8, 6, 5)
    out = neck(feats)
    assert torch.equal(out['fused'], feats[:, 0])
    # the gate alone gets the heatmap loss's gradient at the start, so it
    # opens in one step and the supporting frames enter
    target = torch.randn(2, 8, 6, 5)
    (out['fused'] - target).pow(2).mean().backward()
    assert neck.gate.weight.grad.abs().min() > 0
    for param in (neck.gtm.mlp[-1].weight, neck.lcm.offset_convs[0].weight):
        assert not param.grad.abs().any()
    torch.optim.SGD([neck.gate.weight], lr=1.0).step()
    opened = neck(feats)['fused']
    assert (opened - feats[:, 0]).abs().max() > 1e-3
    ungated = FAMINeck(8, num_frames=3, gtm=None, lcm=None, fusion=fusion,
                       num_res_blocks=1)
    assert ungated.gate is None


def test_no_alignment_passes_supporting_features():
    neck = FAMINeck(4, num_frames=3, gtm=None, lcm=None)
    feats = torch.randn(1, 3, 4, 5, 5)
    out = neck(feats)
    assert torch.equal(out['aligned'], feats[:, 1:])
    assert out['params'] == dict(theta=None, lcm=None)


def test_bad_inputs():
    with pytest.raises(ValueError, match='fusion'):
        FAMINeck(8, fusion='average')
    with pytest.raises(ValueError, match='num_frames'):
        FAMINeck(8, num_frames=1)
    with pytest.raises(ValueError, match='gate'):
        FAMINeck(8, gate='yes')
    neck = FAMINeck(8, num_frames=3)
    with pytest.raises(ValueError, match=r'\(B, 3, 8, H, W\)'):
        neck(torch.zeros(1, 5, 8, 4, 4))
