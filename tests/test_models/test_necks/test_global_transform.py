# Copyright (c) fami-pose-mm contributors. All rights reserved.
import pytest
import torch
import torch.nn.functional as F

from fami_pose_mm.models.necks import GlobalTransformModule


def _smooth_maps(n: int, c: int, size: int) -> torch.Tensor:
    """Random smooth feature maps (n, c, size, size)."""
    coarse = torch.randn(n, c, size // 4, size // 4)
    return F.interpolate(coarse, size=(size, size), mode='bicubic',
                         align_corners=False)


def _shifted(feat: torch.Tensor, shift_px: torch.Tensor) -> torch.Tensor:
    """Move the content of ``feat`` by ``shift_px`` (n, 2) = (dx, dy)."""
    n, _, h, w = feat.shape
    theta = torch.eye(2, 3).repeat(n, 1, 1)
    theta[:, 0, 2] = -2 * shift_px[:, 0] / w
    theta[:, 1, 2] = -2 * shift_px[:, 1] / h
    grid = F.affine_grid(theta, list(feat.shape), align_corners=False)
    return F.grid_sample(feat, grid, align_corners=False)


@pytest.mark.parametrize('dof', [2, 6])
@pytest.mark.parametrize('input_mode', ['difference', 'concat'])
def test_identity_at_init(dof, input_mode):
    torch.manual_seed(0)
    gtm = GlobalTransformModule(8, dof=dof, input_mode=input_mode,
                                mid_channels=8, hidden_dim=16)
    gtm.init_weights()
    key, support = torch.randn(2, 8, 24, 16), torch.randn(2, 8, 24, 16)
    warped, theta = gtm(key, support)
    assert torch.allclose(theta, torch.eye(2, 3).expand(2, 2, 3))
    assert (warped - support).abs().max().item() < 1e-5


def test_hand_set_theta_moves_blob():
    h, w = 32, 48
    ys, xs = torch.meshgrid(torch.arange(h).float(), torch.arange(w).float(),
                            indexing='ij')
    blob = torch.exp(-((xs - 20)**2 + (ys - 12)**2) / 4.0)[None, None]
    gtm = GlobalTransformModule(1, dof=2, mid_channels=4, hidden_dim=4)
    # tx = 2 * (-5) / w moves the content +5 px in x; ty moves -3 px in y
    theta = torch.tensor([[[1.0, 0.0, -2 * 5 / w], [0.0, 1.0, 2 * 3 / h]]])
    warped, _ = gtm(blob, blob, theta=theta)
    peak = torch.nonzero(warped[0, 0] == warped[0, 0].max())[0].tolist()
    assert peak == [12 - 3, 20 + 5]
    assert abs(warped.max().item() - 1.0) < 1e-5


def test_learns_random_shift():
    """Recover shifts of up to 8 px on 32x32 maps to < 1 px mean error."""
    torch.manual_seed(0)
    size, channels = 32, 4
    gtm = GlobalTransformModule(channels, dof=2, input_mode='concat',
                                mid_channels=32, hidden_dim=64)
    optim = torch.optim.Adam(gtm.parameters(), lr=3e-3)
    sched = torch.optim.lr_scheduler.MultiStepLR(optim, [210], 0.1)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny convs: one thread is fastest (~3 s)
    try:
        for _ in range(300):
            key = _smooth_maps(32, channels, size)
            shift = (torch.rand(32, 2) * 2 - 1) * 8
            theta = gtm.predict_theta(key, _shifted(key, shift))
            # warping by theta undoes a move of theta[:, :, 2] * size / 2 px
            loss = F.smooth_l1_loss(theta[:, :, 2] * size / 2, shift)
            optim.zero_grad()
            loss.backward()
            optim.step()
            sched.step()
    finally:
        torch.set_num_threads(threads)
    gtm.eval()
    key = _smooth_maps(256, channels, size)
    shift = (torch.rand(256, 2) * 2 - 1) * 8
    with torch.no_grad():
        aligned, theta = gtm(key, _shifted(key, shift))
    err = (theta[:, :, 2] * size / 2 - shift).norm(dim=1).mean().item()
    assert err < 1.0
    # the warp brings the support back onto the key (centre region)
    centre = slice(10, 22)
    before = (_shifted(key, shift) - key)[..., centre, centre].abs().mean()
    after = (aligned - key)[..., centre, centre].abs().mean()
    assert after < 0.5 * before


def test_bad_arguments():
    with pytest.raises(ValueError, match='dof'):
        GlobalTransformModule(8, dof=4)
    with pytest.raises(ValueError, match='input_mode'):
        GlobalTransformModule(8, input_mode='sum')
    gtm = GlobalTransformModule(8, mid_channels=4, hidden_dim=4)
    with pytest.raises(ValueError, match='shapes differ'):
        gtm(torch.zeros(1, 8, 8, 8), torch.zeros(1, 8, 8, 4))
