# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Temporal filters of tracked keypoints."""
import json

import numpy as np
import pytest
from apis_test_utils import CLIP_MP4
from scipy.ndimage import gaussian_filter1d
from scipy.signal import savgol_filter

from fami_pose_mm.apis import VideoPoseInferencer
from fami_pose_mm.apis.track_smoothing import (TrackSmoother,
                                               smoothing_config)


def _run(smoother, tracks):
    """Push frames of ``tracks`` ({track id: {frame: (K, 2)}}) in order and
    take each frame's output as soon as the filter allows (as the video
    run does): {track id: {frame: (K, 2)}}."""
    frames = sorted({t for track in tracks.values() for t in track})
    out = {tid: {} for tid in tracks}
    pending = []

    def emit(t):
        ids = [tid for tid in tracks if t in tracks[tid]]
        kpts = np.stack([tracks[tid][t] for tid in ids])
        for tid, k in zip(ids, smoother.smoothed(t, kpts, np.array(ids))):
            out[tid][t] = k

    for t in frames:
        ids = [tid for tid in tracks if t in tracks[tid]]
        smoother.push(t, np.stack([tracks[tid][t] for tid in ids]),
                      np.array(ids))
        pending.append(t)
        while pending and pending[0] + smoother.delay <= t:
            emit(pending.pop(0))
    for t in pending:
        emit(t)
    return out


def _noisy_track(num=40, seed=0, keypoints=3):
    rng = np.random.default_rng(seed)
    t = np.arange(num)[:, None, None]
    return 100 + 2.0 * t + 5 * np.sin(t / 5.0) + rng.normal(
        0, 2, (num, keypoints, 2))


@pytest.mark.parametrize('cfg, reference', [
    (dict(type='savgol', window=7, polyorder=2),
     lambda x: savgol_filter(x, 7, 2, axis=0)),
    (dict(type='gaussian', sigma=1.5, truncate=3.0),
     lambda x: gaussian_filter1d(x, 1.5, axis=0, truncate=3.0)),
])
def test_centred_filters_equal_scipy_inside_a_track(cfg, reference):
    x = _noisy_track()
    smoother = TrackSmoother(smoothing_config(cfg))
    out = _run(smoother, {5: dict(enumerate(x))})
    got = np.stack([out[5][t] for t in range(len(x))])
    h = smoother.delay
    np.testing.assert_allclose(got[h:-h], reference(x)[h:-h], atol=1e-9)
    # the track's ends: the frames it has (fewer than the window)
    assert np.isfinite(got).all()
    assert np.abs(np.diff(got, 2, axis=0)).mean() < 0.5 * np.abs(
        np.diff(x, 2, axis=0)).mean()


def test_tracks_are_filtered_apart_over_the_frames_they_have():
    a, b = _noisy_track(seed=1), _noisy_track(seed=2) + 300
    # b starts at frame 10, skips 20-24 and ends at 34
    b_frames = {t: b[t] for t in range(10, 35) if not 20 <= t < 25}
    cfg = smoothing_config(dict(type='savgol', window=5, polyorder=1))
    both = _run(TrackSmoother(cfg), {0: dict(enumerate(a)), 1: b_frames})
    alone = _run(TrackSmoother(cfg), {0: dict(enumerate(a))})
    for t in range(len(a)):  # b never leaks into a
        np.testing.assert_allclose(both[0][t], alone[0][t])
    assert sorted(both[1]) == sorted(b_frames)
    # frame 26: window 24-28 holds 25-28 of b: the line fit over those
    offsets = np.array([-1, 0, 1, 2])
    want = np.polyfit(offsets, np.stack([b[t][0, 0] for t in range(25, 29)]),
                      1)[-1]
    assert both[1][26][0, 0] == pytest.approx(want)
    # first frame of a track: only later frames
    assert np.isfinite(both[1][10]).all()


def test_one_euro_is_causal_and_follows_a_track_across_a_gap():
    x = _noisy_track(seed=3)
    cfg = smoothing_config(dict(type='one_euro', min_cutoff=0.05, beta=0.0))
    smoother = TrackSmoother(cfg, online=True)
    assert smoother.delay == 0
    full = _run(smoother, {0: dict(enumerate(x))})
    # causal: the output at t does not depend on frames after t
    part = _run(TrackSmoother(cfg), {0: {t: x[t] for t in range(20)}})
    for t in range(20):
        np.testing.assert_allclose(part[0][t], full[0][t])
    got = np.stack([full[0][t] for t in range(len(x))])
    assert np.abs(np.diff(got, 2, axis=0)).mean() < 0.5 * np.abs(
        np.diff(x, 2, axis=0)).mean()
    np.testing.assert_allclose(got[0], x[0])  # a track starts as it is
    # a gap of 3 frames: the state goes on (te = 4), no restart
    gap = {t: x[t] for t in range(len(x)) if not 10 < t < 14}
    out = _run(TrackSmoother(cfg), {0: gap})
    assert not np.allclose(out[0][14], x[14])


def test_bad_options():
    with pytest.raises(ValueError, match="smooth must be one of "
                       r"\('one_euro', 'savgol', 'gaussian'\)"):
        smoothing_config('kalman')
    with pytest.raises(ValueError, match=r"smooth 'savgol' has no parameter "
                       r"\['sigma'\]"):
        smoothing_config(dict(type='savgol', sigma=2))
    with pytest.raises(ValueError, match='window must be an odd integer'):
        smoothing_config(dict(type='savgol', window=4))
    with pytest.raises(ValueError, match='sigma and truncate must be > 0'):
        smoothing_config(dict(type='gaussian', sigma=0))
    with pytest.raises(ValueError, match="smooth 'gaussian' needs 3 future "
                       "frames, which online mode does not wait for; use "
                       "smooth='one_euro'"):
        TrackSmoother(smoothing_config('gaussian'), online=True)


@pytest.fixture(scope='module')
def inferencer(pose_files):
    return VideoPoseInferencer(*pose_files, device='cpu')


def test_inferencer_smooths_every_frame_and_says_so(inferencer, tmp_path):
    boxes = tmp_path / 'boxes.json'
    rng = np.random.default_rng(0)
    boxes.write_text(json.dumps([
        dict(frame_index=t, score=0.9, category_id=1,
             bbox=[300 + 10 * t + float(rng.normal(0, 8)), 100, 300, 500])
        for t in range(5)]))
    raw = list(inferencer(CLIP_MP4, bboxes_file=str(boxes),
                          return_datasamples=True))
    out = tmp_path / 'smooth.json'
    smoothed = list(inferencer(
        CLIP_MP4, bboxes_file=str(boxes), return_datasamples=True,
        out_json=str(out), smooth=dict(type='savgol', window=5,
                                       polyorder=1)))
    assert [r['frame_index'] for r in smoothed] == list(range(5))
    kr = np.stack([r['predictions'][0].pred_instances.keypoints[0]
                   for r in raw])
    ks = np.stack([r['predictions'][0].pred_instances.keypoints[0]
                   for r in smoothed])
    # frame 2 has the whole window: the line fit's value at its centre
    np.testing.assert_allclose(ks[2], kr.mean(axis=0), rtol=1e-5)
    # scores are kept
    np.testing.assert_array_equal(
        smoothed[1]['predictions'][0].pred_instances.keypoint_scores,
        raw[1]['predictions'][0].pred_instances.keypoint_scores)
    info = json.loads(out.read_text())['info']
    assert info['smoothing'] == dict(type='savgol', window=5, polyorder=1)
    assert info['frames'] == 5 and not info['partial']
    with pytest.raises(ValueError, match='it needs tracking'):
        VideoPoseInferencer(inferencer.cfg, None, device='cpu',
                            tracker=False)(CLIP_MP4, whole_frame=True,
                                           smooth='one_euro')


def test_frames_held_by_the_filter_are_kept_on_an_error(inferencer,
                                                        tmp_path):
    frames = [np.full((64, 96, 3), 40 * t, np.uint8) for t in range(3)]
    frames += [np.zeros((32, 48, 3), np.uint8)] * 2
    out = tmp_path / 'partial.json'
    with pytest.raises(ValueError, match='frame 3'):
        list(inferencer(frames, whole_frame=True, out_json=str(out),
                        smooth='gaussian'))  # holds 5 frames back
    info = json.loads(out.read_text())['info']
    assert (info['partial'], info['frames']) == (True, 2)


def test_demo_smooth_option(pose_files, tmp_path, capsys):
    import importlib.util
    import os.path as osp
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    spec = importlib.util.spec_from_file_location(
        'video_pose_demo', osp.join(root, 'tools', 'demo',
                                    'video_pose_demo.py'))
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    cfg, ckpt = pose_files
    stats = demo.main([CLIP_MP4, cfg, ckpt, '--whole-frame', '--no-video',
                       '--smooth', 'savgol', '--smooth-params', 'window=3',
                       'polyorder=1', '--output-root', str(tmp_path)])
    assert stats['frames'] == 5
    info = json.load(open(stats['json']))['info']
    assert info['smoothing'] == dict(type='savgol', window=3, polyorder=1)
    with pytest.raises(SystemExit):
        demo.main([CLIP_MP4, cfg, ckpt, '--whole-frame',
                   '--smooth-params', 'window=3'])
    assert '--smooth-params needs --smooth' in capsys.readouterr().err


def test_choose_smoothing_filters_files_as_the_inferencer(inferencer,
                                                          tmp_path):
    """tools/synthetic/choose_smoothing.py scores candidate filters on the
    saved predictions: the same keypoints as smooth= in the run."""
    import os.path as osp
    import runpy
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    tool = runpy.run_path(osp.join(root, 'tools', 'synthetic',
                                   'choose_smoothing.py'))
    boxes = tmp_path / 'boxes.json'
    boxes.write_text(json.dumps([
        dict(frame_index=t, score=0.9, bbox=[300 + 15 * t, 100, 300, 500])
        for t in range(5) if t != 2]))  # the track skips frame 2
    cfg = dict(type='gaussian', sigma=1.0, truncate=2.0)
    raw, run = tmp_path / 'raw.json', tmp_path / 'run.json'
    list(inferencer(CLIP_MP4, bboxes_file=str(boxes), out_json=str(raw)))
    list(inferencer(CLIP_MP4, bboxes_file=str(boxes), out_json=str(run),
                    smooth=cfg))
    tool['smooth_file'](str(raw), str(tmp_path / 'file.json'),
                        smoothing_config(cfg))
    a, b = (json.load(open(p))['annotations']
            for p in (run, tmp_path / 'file.json'))
    assert len(a) == len(b) == 4
    for x, y in zip(a, b):
        np.testing.assert_allclose(x['keypoints'], y['keypoints'], atol=1e-3)
