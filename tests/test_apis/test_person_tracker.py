# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""PersonTracker: mmdet's ByteTracker behind one call per key frame."""
import os.path as osp

import numpy as np
import pytest
from apis_test_utils import crossing_people
from mmengine.config import Config

from fami_pose_mm.apis import PersonTracker
from fami_pose_mm.apis.person_tracker import (DEFAULT_TRACKER,
                                              resolve_tracker_cfg)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _with_scores(boxes: np.ndarray, score: float = 0.9) -> np.ndarray:
    """(P, 4) boxes -> (P, 5) with one score."""
    return np.concatenate(
        [boxes, np.full((len(boxes), 1), score, np.float32)], 1)


def _run(tracker, frames, seed=0, start=0):
    """Ids of each frame's people (lists of (P, 5) boxes, or None for a
    person absent), the boxes given in a random order every frame; frame
    indices from ``start``."""
    rng = np.random.default_rng(seed)
    ids = []
    for t, people in enumerate(frames, start):
        present = [p for p, box in enumerate(people) if box is not None]
        order = rng.permutation(present)
        boxes = np.array([people[p] for p in order], np.float32)
        got = tracker(boxes.reshape(-1, 5), t)
        assert got.dtype == np.int64 and got.shape == (len(order), )
        assert len(set(got.tolist())) == len(got), 'ids unique per frame'
        frame_ids = [None] * len(people)
        for p, track_id in zip(order, got):
            frame_ids[p] = int(track_id)
        ids.append(frame_ids)
    return ids


def _crossing(num_frames=15, score=0.9):
    return [list(_with_scores(people, score))
            for people in crossing_people(num_frames)]


def test_crossing_people_keep_their_ids_in_any_box_order():
    tracker = PersonTracker()
    firsts = set()
    for seed in range(4):  # a new box order every frame, four times
        tracker.reset()
        ids = _run(tracker, _crossing(), seed)
        # ids are given in the first frame's box order, then kept
        assert ids[0] in ([0, 1], [1, 0]) and ids == [ids[0]] * 15
        assert tracker.num_ids == 2 and tracker.num_fallbacks == 0
        firsts.add(tuple(ids[0]))
    assert len(firsts) == 2  # both first-frame orders were met


@pytest.mark.parametrize('missed', [(5, ), (5, 6)])
def test_a_missed_person_is_reassociated(missed):
    frames = _crossing(12)
    for t in missed:
        frames[t][0] = None
    ids = _run(PersonTracker(), frames)
    assert [i[0] for i in ids] == [None if t in missed else 0
                                   for t in range(12)]
    assert [i[1] for i in ids] == [1] * 12


def test_a_frame_without_anybody_does_not_end_the_tracks():
    frames = _crossing(8)
    frames[4] = [None, None]
    ids = _run(PersonTracker(), frames)
    assert ids[3] == ids[5] == ids[7] == [0, 1] and ids[4] == [None, None]


def test_a_person_entering_gets_a_new_id_and_keeps_it():
    frames = _crossing(12)
    for t, people in enumerate(frames):
        people.append(np.array([100, 200, 140, 238, 0.9], np.float32)
                      if t >= 5 else None)
    ids = _run(PersonTracker(), frames)
    assert [i[2] for i in ids] == [None] * 5 + [2] * 7
    assert [i[:2] for i in ids] == [[0, 1]] * 12


def test_low_score_boxes_get_ids():
    tracker = PersonTracker()
    # in the first frame ByteTracker starts no track below init_track_thr:
    # the box gets a fresh id of its own
    first = np.array([[10, 10, 50, 90, 0.9], [200, 10, 240, 90, 0.2]],
                     np.float32)
    assert tracker(first, 0).tolist() == [0, 1]
    assert tracker.num_fallbacks == 1
    # a low-score box continuing a track keeps its id (second association)
    ids = tracker(first * [1, 1, 1, 1, 0.4] + [2, 0, 2, 0, 0], 1)
    assert ids[0] == 0 and tracker.num_fallbacks == 2
    # below obj_score_thrs.low (0.1) the tracker drops it: a fresh id
    ids = tracker(np.array([[14, 10, 54, 90, 0.05]], np.float32), 2)
    assert ids.tolist() == [3] and tracker.num_fallbacks == 3
    assert tracker.num_ids == 4


def test_duplicate_boxes_get_distinct_ids():
    tracker = PersonTracker()
    box = [10, 10, 50, 90, 0.9]
    assert sorted(tracker(np.array([box, box], np.float32), 0)) == [0, 1]
    assert len(set(tracker(np.array([box, box], np.float32), 1))) == 2


def test_reset_gives_fresh_state():
    tracker = PersonTracker()
    _run(tracker, _crossing(4))
    tracker(np.array([[0, 0, 10, 10, 0.05]], np.float32), 4)
    assert tracker.num_ids == 3 and tracker.num_fallbacks == 1
    tracker.reset()
    assert (tracker.num_ids, tracker.num_fallbacks) == (0, 0)
    # frame indices may start again; the tracks of the first frame given
    # are confirmed at once (ByteTracker: frame_id 0), whatever its index
    ids = _run(tracker, _crossing(6), start=10)
    assert ids == [[0, 1]] * 6


def test_ids_beyond_the_posetrack_limit_warn_once():
    tracker = PersonTracker()
    tracker(np.zeros((0, 5)), 0)  # ByteTracker resets itself at frame 0
    tracker.tracker.num_tracks = 9999
    with pytest.warns(UserWarning, match='frame 1: track id 10000 reached'):
        ids = tracker(np.array([[0, 0, 9, 9, .9], [20, 0, 29, 9, .9]],
                               np.float32), 1)
    assert ids.tolist() == [9999, 10000]


def test_bad_input_names_the_frame():
    tracker = PersonTracker()
    with pytest.raises(ValueError, match=r'frame 3: boxes must be \(N, 5\)'):
        tracker(np.zeros((2, 4)), 3)
    with pytest.raises(ValueError, match='frame 3: boxes must be finite'):
        tracker(np.array([[0, 0, np.nan, 1, 1]]), 3)
    tracker(np.zeros((0, 5)), 3)
    with pytest.raises(ValueError, match='frame 2: .* last given frame 3'):
        tracker(np.zeros((0, 5)), 2)
    with pytest.raises(ValueError, match='frame index must be an int'):
        tracker(np.zeros((0, 5)), 4.0)


def test_tracker_configs():
    assert resolve_tracker_cfg(None, None) == DEFAULT_TRACKER
    assert resolve_tracker_cfg(True, dict(type='X')) == dict(type='X')
    assert resolve_tracker_cfg(dict(type='Y'), dict(type='X')) == dict(
        type='Y')
    assert resolve_tracker_cfg(False, dict(type='X')) is None
    with pytest.raises(ValueError, match='tracker must be None, False or'):
        resolve_tracker_cfg('bytetrack', None)
    with pytest.raises(ValueError, match='cannot build the tracker'):
        PersonTracker(dict(type='NoSuchTracker'))
    with pytest.raises(ValueError, match='a dict with a type'):
        PersonTracker(dict(motion=None))
    # OC-SORT, mmdet's other box-only tracker, also fits the adapter
    ocsort = PersonTracker(dict(type='OCSORTTracker',
                                motion=dict(type='KalmanFilter')))
    assert ocsort(np.array([[0, 0, 9, 9, .9]], np.float32), 0).tolist() == [0]


def test_a_tracker_that_moves_boxes_is_refused(monkeypatch):
    tracker = PersonTracker()
    track = tracker.tracker.track

    def moved(sample):
        out = track(sample)
        out.bboxes = out.bboxes + 5
        return out

    monkeypatch.setattr(tracker.tracker, 'track', moved)
    with pytest.raises(RuntimeError, match='frame 7: .* not copies'):
        tracker(np.array([[0, 0, 9, 9, .9]], np.float32), 7)


def test_missing_lap_says_how_to_fix_it(monkeypatch):
    from mmdet.models.trackers import byte_tracker
    monkeypatch.setattr(byte_tracker, 'lap', None)
    with pytest.raises(ImportError, match=r'pip install lap==0.5.13 .*'
                       '--no-tracking'):
        PersonTracker()


@pytest.mark.parametrize('config', [
    'configs/fami_hrnet_w48_posetrack18.py',
    'configs/fami_hrnet_w48_posetrack17.py',
    'configs/inference/fami_hrnet_w48_online-2-1_posetrack18.py',
    'configs/synthetic/d_fami.py', 'configs/synthetic/a_single_frame.py'])
def test_configs_track_with_the_one_default(config):
    # the defaults are stated once, in DEFAULT_TRACKER: no config repeats
    # them, and a config without `tracker` tracks with them
    cfg = Config.fromfile(osp.join(ROOT, config))
    assert 'tracker' not in cfg
    assert resolve_tracker_cfg(None, cfg.get('tracker')) == DEFAULT_TRACKER
