# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Track ids through the video inferencer: JSON, instances, drawing."""
import json

import numpy as np
import pytest
from apis_test_utils import (CLIP_DIR, corrupt_video_frame, crossing_frames,
                             crossing_people, person_of, write_boxes_file)

from fami_pose_mm.apis import VideoPoseInferencer
from fami_pose_mm.apis.frame_drawing import track_color
from fami_pose_mm.fileio import load_posetrack18_video

pytestmark = pytest.mark.usefixtures('one_torch_thread')


@pytest.fixture(scope='module')
def inferencer(pose_files):
    """The tiny FAMI model (window -1, +1)."""
    return VideoPoseInferencer(*pose_files, device='cpu')


@pytest.fixture(scope='module')
def single(single_frame_pose_files):
    """The tiny single-frame model: tracking does not depend on the
    window, and it is 3x faster."""
    return VideoPoseInferencer(*single_frame_pose_files, device='cpu')


@pytest.fixture(scope='module')
def crossing(tmp_path_factory):
    """Frames, boxes (T, 2, 4) and a shuffled boxes file of two people
    crossing (they pass each other at frame 7)."""
    boxes = crossing_people(10)
    path = str(tmp_path_factory.mktemp('crossing') / 'boxes.json')
    return crossing_frames(boxes), boxes, write_boxes_file(path, boxes)


def _ids_by_person(results, boxes):
    """{person: [track id per frame]} from the instance dicts."""
    ids = {0: [], 1: []}
    for result, boxes_t in zip(results, boxes):
        for person in result['predictions'][0]:
            ids[person_of(person['bbox'][0], boxes_t)].append(
                person['track_id'])
    return ids


def _track_of_person(results, boxes, num_frames):
    """The one track id of each person, checking that it never changes
    and that the two people's differ."""
    ids = _ids_by_person(results, boxes)
    assert sorted(ids[0] + ids[1]) == [0] * num_frames + [1] * num_frames
    assert ids[0] == [ids[0][0]] * num_frames, ids
    return {person: found[0] for person, found in ids.items()}


@pytest.mark.parametrize('online', [False, True])
def test_ids_follow_the_people_in_json_and_results(pose_files, inferencer,
                                                   crossing, tmp_path,
                                                   online):
    frames, boxes, boxes_file = crossing
    if online:
        inferencer = VideoPoseInferencer(*pose_files, device='cpu',
                                         online=True, frame_offsets=(-2, -1))
    out_json = str(tmp_path / 'crossing.json')
    results = list(inferencer(frames, bboxes_file=boxes_file,
                              out_json=out_json))
    track = _track_of_person(results, boxes, 10)
    assert inferencer.stats['tracks'] == 2
    assert inferencer.stats['track_fallbacks'] == 0
    # the file is valid; ids are ints, unique per frame, < 10000 (checked
    # by the reader of the tracking evaluation, and here)
    frames_read = load_posetrack18_video(out_json, is_gt=False,
                                         tracking=True)
    assert [f.num_people for f in frames_read] == [2] * 10
    assert all(sorted(f.track_ids.tolist()) == [0, 1] for f in frames_read)
    with open(out_json) as f:
        pred = json.load(f)
    for image in pred['images']:
        ids = [a['track_id'] for a in pred['annotations']
               if a['image_id'] == image['id']]
        assert len(set(ids)) == len(ids) == 2
        assert all(0 <= i < 10000 for i in ids)
    for ann in pred['annotations']:
        x, y, w, h = ann['bbox']
        person = person_of([x, y, x + w, y + h], boxes[ann['image_id']])
        assert type(ann['track_id']) is int
        assert ann['track_id'] == track[person]


def test_datasamples_carry_track_ids(single, crossing):
    frames, boxes, boxes_file = crossing
    results = list(single(frames[:4], bboxes_file=boxes_file,
                          return_datasamples=True))
    track = {}
    for result, boxes_t in zip(results, boxes):
        inst = result['predictions'][0].pred_instances
        assert inst.track_ids.dtype == np.int64 and len(inst.track_ids) == 2
        for box, track_id in zip(inst.bboxes, inst.track_ids):
            assert track.setdefault(person_of(box, boxes_t),
                                    track_id) == track_id
    assert sorted(track.values()) == [0, 1]


def test_each_call_is_a_new_video_and_runs_do_not_mix(single, crossing):
    frames, boxes, boxes_file = crossing
    alone = _ids_by_person(list(single(frames, bboxes_file=boxes_file)),
                           boxes)
    # two runs consumed in turn, the second on the clip reversed in time
    first = single(frames, bboxes_file=boxes_file)
    whole = single(frames[::-1], whole_frame=True)
    mixed = []
    for a, b in zip(first, whole):
        mixed.append(a)
        assert [p['track_id'] for p in b['predictions'][0]] == [0]
    assert _ids_by_person(mixed, boxes) == alone


def test_tracking_disabled_gives_the_index_within_the_frame(
        single_frame_pose_files, crossing, tmp_path):
    frames, boxes, boxes_file = crossing
    plain = VideoPoseInferencer(*single_frame_pose_files, device='cpu',
                                tracker=False)
    out_json = str(tmp_path / 'plain.json')
    results = list(plain(frames, bboxes_file=boxes_file, out_json=out_json))
    assert all([p['track_id'] for p in r['predictions'][0]] == [0, 1]
               for r in results)
    with open(out_json) as f:
        anns = json.load(f)['annotations']
    assert [a['track_id'] for a in anns] == [0, 1] * 10
    assert plain.stats['tracks'] == 0


def test_tracker_option_overrides_the_config(single_frame_pose_files,
                                             crossing):
    frames, boxes, boxes_file = crossing
    # a tracker that starts no track: every box gets a fresh id
    strict = VideoPoseInferencer(
        *single_frame_pose_files, device='cpu',
        tracker=dict(type='ByteTracker', motion=dict(type='KalmanFilter'),
                     obj_score_thrs=dict(high=0.95, low=0.92),
                     init_track_thr=0.95))
    results = list(strict(frames[:3], bboxes_file=boxes_file))
    ids = [p['track_id'] for r in results for p in r['predictions'][0]]
    assert sorted(ids) == list(range(6))
    assert strict.stats['track_fallbacks'] == 6
    with pytest.raises(ValueError, match='cannot build the tracker'):
        VideoPoseInferencer(*single_frame_pose_files, device='cpu',
                            tracker=dict(type='NoSuchTracker'))


def test_real_clip_ids_stable(single, tmp_path):
    """The real PoseTrack18 clip: the player in white and a second box."""
    player = np.array([365, 280, 550, 590], np.float32)  # x1, y1, x2, y2
    other = np.array([800, 200, 950, 560], np.float32)
    boxes = np.stack([np.stack([player + [3 * t, 0, 3 * t, 0], other])
                      for t in range(5)])
    boxes_file = write_boxes_file(str(tmp_path / 'clip.json'), boxes,
                                  scores=[0.95, 0.6])
    results = list(single(CLIP_DIR, bboxes_file=boxes_file))
    _track_of_person(results, boxes, 5)
    whole = list(single(CLIP_DIR, whole_frame=True))
    assert [[p['track_id'] for p in r['predictions'][0]] for r in whole] == [
        [0]] * 5


def test_an_undecodable_frame_does_not_break_the_tracks(inferencer,
                                                        tmp_path):
    """With the FAMI model: the undecodable frame is also a neighbour."""
    video = corrupt_video_frame(tmp_path / 'mid.avi', 4)  # 8 frames, 96x64
    t = np.arange(8, dtype=np.float32)[:, None]
    boxes = np.stack([np.concatenate([20 + 4 * t, 10 + 0 * t, 40 + 4 * t,
                                      50 + 0 * t], 1),
                      np.tile([[70, 5, 90, 60]], (8, 1))], 1)
    boxes_file = write_boxes_file(str(tmp_path / 'mid.json'), boxes)
    with pytest.warns(UserWarning):
        results = list(inferencer(video, bboxes_file=boxes_file))
    assert [r['readable'] for r in results] == [True] * 4 + [False] + [
        True] * 3
    _track_of_person(results, boxes, 7)  # the 7 decodable frames
    assert inferencer.stats['tracks'] == 2


def test_ids_and_track_colours_are_drawn(single_frame_pose_files, single,
                                         crossing):
    frames, boxes, boxes_file = crossing
    # kpt_thr=1: no keypoint is drawn, only boxes and ids
    opts = dict(bboxes_file=boxes_file, return_vis=True, kpt_thr=1.0,
                draw_bbox=True, thickness=2)
    first = next(iter(single(frames[:1], **opts)))
    drawn = first['visualization'][0]
    plain = VideoPoseInferencer(*single_frame_pose_files, device='cpu',
                                tracker=False)
    untracked = next(iter(plain(frames[:1], **opts)))['visualization'][0]
    track = _track_of_person([first], boxes, 1)
    for person in (0, 1):
        x1, y1, x2, y2 = boxes[0, person].astype(int)
        # the box's left edge has the colour of the person's track (most
        # of it: a keypoint may be drawn over it)
        edge = drawn[y1:y2, x1]
        assert (edge == track_color(track[person])).all(1).mean() > 0.8
        # the id tag above the box: absent without tracking
        tag = (slice(y1 - 12, y1), slice(x1, x1 + 12))
        assert (drawn[tag] != untracked[tag]).any()
    assert track_color(0) != track_color(1)
    assert track_color(7) == track_color(7)
