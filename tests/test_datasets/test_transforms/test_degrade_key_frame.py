# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""DegradeKeyFrame: the student's key crop degraded, the teacher's kept
clean (geometry shared), supporting crops crossed by the moving occluder."""
import numpy as np
import pytest

from fami_pose_mm.datasets.transforms import DegradeKeyFrame

OFF = dict(shake_prob=0.0, blur_prob=0.0, occluder_prob=0.0, noise_prob=0.0)


def _clip(num_frames: int = 5, seed: int = 0) -> dict:
    """Textured 128x96 crops (smooth gradients plus noise), key first."""
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:128, 0:96]
    frames = []
    for t in range(num_frames):
        base = np.stack([xs * 2 + t, ys * 1.5, (xs + ys) % 200], -1)
        frames.append(np.clip(base + rng.normal(0, 10, base.shape), 0,
                              255).astype(np.uint8))
    return dict(img=frames, frame_offsets=(-2, -1, 1, 2))


def _run(seed: int = 0, **kwargs) -> dict:
    np.random.seed(seed)
    results = _clip()
    original = [f.copy() for f in results['img']]
    out = DegradeKeyFrame(**dict(OFF, **kwargs)).transform(results)
    return out, original


def test_nothing_drawn_leaves_the_clip_and_appends_the_clean_key():
    out, original = _run()
    assert len(out['img']) == 6 and out['key_degradations'] == []
    for got, want in zip(out['img'], original + [original[0]]):
        assert np.array_equal(got, want)


@pytest.mark.parametrize('name', ['blur', 'noise'])
def test_photometric_degradations_touch_the_student_key_only(name):
    out, original = _run(**{f'{name}_prob': 1.0})
    assert out['key_degradations'] == [name]
    assert np.abs(out['img'][0].astype(int) - original[0]).mean() > 1.0
    assert np.array_equal(out['img'][-1], original[0])  # teacher: clean
    for got, want in zip(out['img'][1:5], original[1:]):
        assert np.array_equal(got, want)


def test_shake_moves_student_and_teacher_alike():
    out, original = _run(shake_prob=1.0, shake_trans=0.05)
    assert out['key_degradations'] == ['shake']
    assert np.array_equal(out['img'][0], out['img'][-1])
    assert not np.array_equal(out['img'][0], original[0])


def test_moving_occluder_covers_the_key_and_moves_over_the_neighbours():
    out, original = _run(occluder_prob=1.0, occluder_speed=(0.1, 0.1))
    assert out['key_degradations'] == ['occluder']
    assert np.array_equal(out['img'][-1], original[0])
    changed = [np.any(got != want, axis=-1)
               for got, want in zip(out['img'][:5], original)]
    assert changed[0].sum() > 0.02 * changed[0].size

    def centre(mask):
        ys, xs = np.nonzero(mask)
        return np.array([xs.mean(), ys.mean()])

    # the sprite's centre moves linearly with the frame offset (-2, -1, 1,
    # 2): 12.8 px per frame (0.1 x the crop height), frames cropped by the
    # crop border aside
    step = centre(changed[3]) - centre(changed[0])
    assert np.linalg.norm(step) == pytest.approx(12.8, abs=2.0)
    np.testing.assert_allclose(centre(changed[2]) - centre(changed[0]),
                               -step, atol=2.0)


def test_a_supporting_frame_that_is_the_key_frame_is_degraded_with_it():
    # the window of key frame 0: offsets -2 and -1 clamped to frame 0
    np.random.seed(0)
    results = dict(_clip(), supporting_frame_indices=[0, 0, 1, 2],
                   key_frame_index=0)
    original = [f.copy() for f in results['img']]
    out = DegradeKeyFrame(**dict(OFF, blur_prob=1.0)).transform(results)
    assert not np.array_equal(out['img'][0], original[0])
    for index in (1, 2):
        assert np.array_equal(out['img'][index], out['img'][0])
    for index in (3, 4):
        assert np.array_equal(out['img'][index], original[index])
    assert np.array_equal(out['img'][-1], original[0])


def test_draws_follow_the_probabilities():
    counts = dict(shake=0, blur=0, occluder=0, noise=0)
    for seed in range(200):
        out, _ = _run(seed, shake_prob=0.5, blur_prob=0.2, occluder_prob=0.8)
        for name in out['key_degradations']:
            counts[name] += 1
    assert counts['noise'] == 0
    assert 70 < counts['shake'] < 130
    assert 20 < counts['blur'] < 60
    assert 140 < counts['occluder'] < 180


def test_bad_settings_and_inputs_name_them():
    with pytest.raises(ValueError, match='blur_prob must be in'):
        DegradeKeyFrame(blur_prob=1.5)
    with pytest.raises(ValueError, match='occluder_size must be'):
        DegradeKeyFrame(occluder_size=(0.5, 0.2))
    with pytest.raises(ValueError, match='shake_rot must be >= 0'):
        DegradeKeyFrame(shake_rot=-1)
    with pytest.raises(ValueError, match='after TopdownAffine'):
        DegradeKeyFrame().transform(dict(img=np.zeros((8, 8, 3), np.uint8)))
