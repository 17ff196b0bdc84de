# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The per-track feature cache of streaming, without a model: which frame
each clip entry comes from, the counts, and eviction."""
import numpy as np
import pytest
import torch
from mmpose.structures import PoseDataSample

from fami_pose_mm.apis.feature_stream import (FeatureStream, FrameFeatures,
                                              PersonFeature)
from fami_pose_mm.utils.frame_offsets import clamp_window

FRAME = np.zeros((4, 4, 3), np.uint8)


def _stream(present, offsets=(-2, -1, 1, 2)):
    """A stream whose frame t has the tracks ``present[t]``; a feature
    holds its frame index and track id."""

    def features_of(index, name, frame):
        tracks = present[index]
        persons = [
            PersonFeature(torch.tensor([index, track]), None,
                          np.full((2, 3), index, np.float32),
                          PoseDataSample()) for track in tracks
        ]
        boxes = np.zeros((len(tracks), 5), np.float32)
        return FrameFeatures(boxes, np.array(tracks, np.int64), persons)

    return FeatureStream(offsets, features_of)


def _run(stream, num_frames, unreadable=()):
    """All windows; checks each clip entry is the track's feature of the
    frame the clip names."""
    windows = []
    for t in range(num_frames):
        windows += stream.push(f'{t:06d}.jpg',
                               None if t in unreadable else FRAME)
    windows += stream.flush()
    for window in windows:
        for track, clip in zip(window.track_ids, window.clips):
            for frame, person in zip(clip.frames, clip.persons):
                assert person.feat.tolist() == [frame, track]
    return windows


def _clip_frames(windows):
    """{(key frame, track): clip frames}."""
    return {(w.index, int(track)): clip.frames for w in windows
            for track, clip in zip(w.track_ids, w.clips)}


def test_all_present_is_the_clamped_window():
    offsets = (-2, -1, 1, 2)
    stream = _stream([[0, 1]] * 6, offsets)
    windows = _run(stream, 6)
    assert [w.index for w in windows] == list(range(6))
    for (key, _), frames in _clip_frames(windows).items():
        assert frames == [key] + clamp_window(key, offsets, 6)
    assert stream.substituted == 0 and stream.from_key == 0


def test_enter_leave_and_miss_take_the_nearest_frame_of_the_track():
    # track 0: missed by the detector in frame 3, leaves after frame 5;
    # track 1 enters in frame 2
    present = [[0], [0], [0, 1], [1], [0, 1], [0, 1], [1], [1]]
    stream = _stream(present)
    found = _clip_frames(_run(stream, 8))
    assert found == {
        (0, 0): [0, 0, 0, 1, 2],  # edge padding, not counted
        (1, 0): [1, 0, 0, 2, 2],  # 3 missing: 2 nearest
        (2, 0): [2, 0, 1, 2, 4],  # 3 missing: 2 and 4 tie, the key (2)
        (4, 0): [4, 2, 4, 5, 5],  # 3: tie, the key; 6 (left): 5
        (5, 0): [5, 4, 4, 5, 5],  # 3 -> 4; 6 and 7 (left) -> 5, the key
        (2, 1): [2, 2, 2, 3, 4],  # entered at 2: 0 and 1 -> the key
        (3, 1): [3, 2, 2, 4, 5],  # 1 -> 2
        (4, 1): [4, 2, 3, 5, 6],
        (5, 1): [5, 3, 4, 6, 7],
        (6, 1): [6, 4, 5, 7, 7],  # edge
        (7, 1): [7, 5, 6, 7, 7],
    }
    # counted: supporting frames of the video without the track
    assert stream.substituted == 10 and stream.from_key == 6


def test_an_undecodable_frame_has_no_features():
    stream = _stream([[0]] * 6)
    windows = _run(stream, 6, unreadable=(3, ))
    assert not windows[3].readable and windows[3].clips == []
    found = _clip_frames(windows)
    assert found[(2, 0)] == [2, 0, 1, 2, 4]  # 3: tie 2 / 4, the key
    assert found[(4, 0)] == [4, 2, 4, 5, 5]  # 3: tie, the key (4)
    assert found[(5, 0)] == [5, 4, 4, 5, 5]  # 3 -> 4; 6, 7: edge
    assert found[(1, 0)] == [1, 0, 0, 2, 2]
    assert stream.substituted == 4 and stream.from_key == 2


@pytest.mark.parametrize('offsets', [(-2, -1, 1, 2), (-2, -1), (-1, 3)])
def test_cache_holds_only_the_frames_a_later_key_frame_needs(offsets):
    stream = _stream([[0, 1]] * 12, offsets)
    before = max([0] + [-d for d in offsets])
    after = max([0] + list(offsets))
    assert stream.capacity == before + after + 1
    emitted = []
    for t in range(12):
        emitted += stream.push(f'{t}', FRAME)
        held = stream.cache.frame_indices
        next_key = len(emitted)
        assert next_key == max(0, t - after + 1)  # delay: the last offset
        assert held == list(range(max(0, next_key - before), t + 1))
        assert len(stream.cache) <= stream.capacity
        assert stream.cache.num_entries == 2 * len(held)
    emitted += stream.flush()
    assert len(emitted) == 12
    assert stream.peak_frames == stream.capacity
    assert len(stream.cache) <= before
