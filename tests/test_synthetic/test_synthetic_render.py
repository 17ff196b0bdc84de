# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Figure geometry, occlusion flags and degradations on constructed cases."""
import numpy as np
import pytest

from fami_pose_mm.synthetic.degrade import (apply_motion_blur, camera_shake,
                                            motion_blur_kernel,
                                            occlusion_flags, transform_points)
from fami_pose_mm.synthetic.figure import (HEAD_BOTTOM, HEAD_TOP, L_ELB,
                                           L_SHO, L_WRI, NOSE, POSE_KEYS,
                                           R_SHO, R_WRI, figure_joints,
                                           sample_figure)
from fami_pose_mm.synthetic.motion import MOTION_KINDS, MotionClip
from fami_pose_mm.synthetic.occluders import Occluder
from fami_pose_mm.synthetic.render import OCCLUDER, draw_figure

NEUTRAL = {k: 0.0 for k in POSE_KEYS}


def _figure(height=150.0):
    spec = sample_figure(np.random.default_rng(0), height)
    spec.limb_scale[:] = 1.0
    return spec


def test_upright_figure_geometry():
    spec = _figure()
    j = figure_joints(spec, np.array([160.0, 150.0]), NEUTRAL, 0.0)
    kp = j['keypoints']
    # Facing the camera: the person's left is on the image right.
    assert kp[L_SHO, 0] - 160 == pytest.approx(0.115 * 150)
    assert kp[R_SHO, 0] - 160 == pytest.approx(-0.115 * 150)
    # Arms hang straight down: upper arm 0.165 h, forearm 0.15 h.
    assert kp[L_ELB] - kp[L_SHO] == pytest.approx([0, 0.165 * 150])
    assert kp[L_WRI] - kp[L_ELB] == pytest.approx([0, 0.15 * 150])
    # Head: top above nose above chin, all on the midline.
    assert kp[HEAD_TOP, 1] < kp[NOSE, 1] < kp[HEAD_BOTTOM, 1] < kp[L_SHO, 1]
    assert kp[[HEAD_TOP, NOSE, HEAD_BOTTOM], 0] == pytest.approx([160] * 3)
    # Side view halves the shoulder width by cos(yaw) and moves the nose.
    side = figure_joints(spec, np.array([160.0, 150.0]), NEUTRAL, np.pi / 3)
    assert side['keypoints'][L_SHO, 0] - 160 == pytest.approx(0.0575 * 150)
    assert side['keypoints'][NOSE, 0] > 160


def test_occluder_over_wrist_sets_flag():
    spec = _figure()
    arm_out = dict(NEUTRAL, r_arm=-1.2)     # right arm raised sideways
    j = figure_joints(spec, np.array([160.0, 120.0]), arm_out, 0.0)
    img = np.zeros((240, 320, 3), np.uint8)
    owner = np.zeros((240, 320), np.uint8)
    draw_figure(img, owner, spec, j, 0.0, label=1)
    kp = j['keypoints']
    assert not occlusion_flags(owner, kp, 1).any()
    # A 20x20 occluder centred on the right wrist hides it and nothing else.
    patch = np.full((20, 20, 3), 200, np.uint8)
    occ = Occluder(patch, np.ones((20, 20), bool), kp[R_WRI] - [2.0, 0.0],
                   np.array([1.0, 0.0]))
    occ.paste(img, owner, t=2)
    flags = occlusion_flags(owner, kp, 1)
    assert np.flatnonzero(flags).tolist() == [R_WRI]
    assert owner[int(round(kp[R_WRI, 1])), int(round(kp[R_WRI, 0]))] == \
        OCCLUDER
    assert (img[owner == OCCLUDER] == 200).all()
    # Another figure drawn on top also occludes; points outside never do.
    owner[:, :] = 2
    pts = np.array([[5.0, 5.0], [-3.0, 5.0], [5.0, 400.0]])
    assert occlusion_flags(owner, pts, 1).tolist() == [True, False, False]


def test_motion_blur_kernel_and_effect():
    k = motion_blur_kernel(9, 0.0)
    assert k.shape == (9, 9) and k.sum() == pytest.approx(1.0)
    assert np.count_nonzero(k) == 9 and np.count_nonzero(k[4]) == 9
    assert np.count_nonzero(motion_blur_kernel(8, 90.0)[:, 4]) == 9
    img = np.zeros((21, 21, 3), np.uint8)
    img[10, 10] = 180
    out = apply_motion_blur(img, 9, 0.0)
    assert out[10, 6:15, 0].tolist() == [20] * 9
    assert out[9].max() == 0
    with pytest.raises(ValueError, match='length'):
        motion_blur_kernel(0, 0.0)


def test_camera_shake_statistics_and_points():
    rng = np.random.default_rng(0)
    still = camera_shake(rng, 4, 320, 240, 0.0, 0.0, 0.0)
    assert still == pytest.approx(np.tile([[1, 0, 0], [0, 1, 0]], (4, 1, 1)))
    mats = camera_shake(np.random.default_rng(0), 200, 320, 240, 4.0, 2.5,
                        0.03)
    scale = np.sqrt(np.abs(np.linalg.det(mats[:, :, :2])))
    assert 0.88 < scale.min() and scale.max() < 1.12
    centre = np.array([transform_points(np.array([[160.0, 120.0]]), m)[0]
                       for m in mats])
    shift = np.abs(centre - [160, 120])
    assert 1.0 < shift.mean() < 12.0 and shift.max() < 30.0
    pts = np.array([[0.0, 0.0], [10.0, 5.0]])
    m = np.array([[0.0, -1.0, 3.0], [1.0, 0.0, 4.0]])
    assert transform_points(pts, m).tolist() == [[3.0, 4.0], [-2.0, 14.0]]


@pytest.mark.parametrize('kind', MOTION_KINDS)
def test_motion_repeats_with_a_period_in_range(kind):
    rng = np.random.default_rng(3)
    clip = MotionClip(kind, 150.0, np.array([100.0, 100.0]),
                      np.zeros(2), rng, period_range=(20.0, 24.0))
    period = 1.0 / clip.freq
    assert 20.0 <= period <= 24.0
    clip.wobble_amp[:] = 0.0  # the wobble has its own, slower frequencies
    _, pose0, yaw0 = clip.at(3.0)
    _, pose1, yaw1 = clip.at(3.0 + (2 if kind == 'turn' else 1) * period)
    for key in POSE_KEYS:
        assert pose1[key] == pytest.approx(pose0[key], abs=1e-9), key
    assert yaw1 == pytest.approx(yaw0, abs=1e-9)
    # neighbouring frames are close: one frame moves no angle by more than
    # 2 pi x (largest amplitude x harmonic: 2.4 rad, the jump's arms) / period
    _, pose_next, _ = clip.at(4.0)
    step = max(abs(pose_next[k] - pose0[k]) for k in POSE_KEYS)
    assert step <= 2 * np.pi * 2.4 / period
    with pytest.raises(ValueError, match='period_range'):
        MotionClip(kind, 150.0, np.zeros(2), np.zeros(2), rng, (0.0, 8.0))
