# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Streaming inference of a crop_mode='own' model through the video
inferencer: equal to the model run clip by clip on own crops, one backbone
pass per person-frame, a bounded cache, the missing-frame rule."""
import json

import numpy as np
import pytest
import torch
from apis_test_utils import (corrupt_video_frame, crossing_frames,
                             crossing_people, person_of, save_pose_checkpoint,
                             tiny_own_pose_config, write_boxes_file)

from fami_pose_mm.apis import VideoPoseInferencer

pytestmark = pytest.mark.usefixtures('one_torch_thread')

OFFLINE, ONLINE = (-2, -1, 1, 2), (-2, -1)
NUM_FRAMES = 8
#: person 0 missed by the detector in frame 3 and gone after frame 5;
#: person 1 enters in frame 2
GAPS = np.array([[1, 1, 1, 0, 1, 1, 0, 0], [0, 0, 1, 1, 1, 1, 1, 1]],
                bool).T


@pytest.fixture(scope='module')
def own_files(tmp_path_factory):
    """{offsets: (config, checkpoint)} of tiny own-mode models, flip test
    on."""
    tmp = tmp_path_factory.mktemp('own')
    files = {}
    for offsets in (OFFLINE, ONLINE):
        cfg = tiny_own_pose_config(offsets)
        path = str(tmp / f'own{len(offsets)}.py')
        cfg.dump(path)
        files[offsets] = (path, save_pose_checkpoint(
            cfg, str(tmp / f'own{len(offsets)}.pth')))
    return files


@pytest.fixture(scope='module')
def people(tmp_path_factory):
    """Frames and boxes (T, 2, 4) of two moving people, and boxes files:
    every box, and with the gaps of ``GAPS``."""
    boxes = crossing_people(NUM_FRAMES)
    tmp = tmp_path_factory.mktemp('people')
    return dict(frames=crossing_frames(boxes), boxes=boxes,
                full=write_boxes_file(str(tmp / 'full.json'), boxes),
                gaps=write_boxes_file(str(tmp / 'gaps.json'), boxes,
                                      present=GAPS))


def _tracks(results):
    """{frame: {track id: (5,) box and score}} from the data samples."""
    tracks = {}
    for result in results:
        inst = result['predictions'][0].pred_instances
        tracks[result['frame_index']] = {
            int(track): np.append(box, score) for track, box, score in zip(
                inst.track_ids, inst.bboxes, inst.bbox_scores)}
    return tracks


def _rule(key, wanted, frames_with_track, num_frames, offsets):
    """The documented missing-frame rule, written out independently: the
    frame of the track nearest to ``wanted`` in the key frame's window
    (ties: nearer the key frame)."""
    lo, hi = key + min(0, *offsets), key + max(0, *offsets)
    best = None
    for frame in sorted(frames_with_track):
        if lo <= frame <= hi and 0 <= frame < num_frames:
            rank = (abs(frame - wanted), abs(frame - key))
            if best is None or rank < best[0]:
                best = (rank, frame)
    return best[1]


def _clip_by_clip(inferencer, frames, tracks, offsets):
    """Reference: the model's predict on each person's T own crops, made
    by the test pipeline with ``frame_bboxes``; {(frame, track): (sources,
    keypoints, scores)}."""
    model, expected = inferencer.model, {}
    for key, persons in tracks.items():
        for track, box in persons.items():
            present = [t for t, p in tracks.items() if track in p]
            sources = [key] + [
                _rule(key, key + d, present, len(frames), offsets)
                for d in offsets]
            data = inferencer.pipeline(dict(
                img=[frames[s] for s in sources], img_path=f'v/{key}',
                frame_offsets=offsets, bbox=box[None, :4].astype(np.float32),
                bbox_score=box[4:].astype(np.float32),
                frame_bboxes=np.stack([tracks[s][track][:4]
                                       for s in sources]),
                **model.dataset_meta))
            with torch.no_grad():
                pred = model.test_step(inferencer.collate_fn([data]))[0]
            expected[(key, track)] = (sources,
                                      pred.pred_instances.keypoints[0],
                                      pred.pred_instances.keypoint_scores[0])
    return expected


@pytest.mark.parametrize('boxes_file', ['full', 'gaps'])
@pytest.mark.parametrize('offsets', [OFFLINE, ONLINE])
def test_streaming_equals_the_model_on_own_clips(own_files, people,
                                                 boxes_file, offsets):
    inferencer = VideoPoseInferencer(*own_files[offsets], device='cpu',
                                     online=offsets == ONLINE)
    assert inferencer.streaming and inferencer.model.test_cfg['flip_test']
    crops = []
    hook = inferencer.model.backbone.register_forward_hook(
        lambda module, args, out: crops.append(len(args[0])))
    try:
        results = list(inferencer(people['frames'],
                                  bboxes_file=people[boxes_file],
                                  return_datasamples=True))
    finally:
        hook.remove()
    # the tracks follow the people
    present = GAPS if boxes_file == 'gaps' else np.ones_like(GAPS)
    tracks = _tracks(results)
    owner = {}
    for t, persons in tracks.items():
        assert len(persons) == present[t].sum()
        for track, box in persons.items():
            person = person_of(box[:4], people['boxes'][t])
            assert owner.setdefault(track, person) == person
    # one backbone pass per person-frame: the crop and its flip, batched
    # per frame
    person_frames = int(present.sum())
    stats = inferencer.stats
    assert stats['person_frames'] == person_frames
    assert stats['backbone_crops'] == sum(crops) == 2 * person_frames
    assert crops == [2 * n for n in present.sum(1) if n]
    # equal to the model run clip by clip on the same tracks and boxes
    expected = _clip_by_clip(inferencer, people['frames'], tracks, offsets)
    substituted = 0
    for result in results:
        key, sample = result['frame_index'], result['predictions'][0]
        inst = sample.pred_instances
        for i, track in enumerate(inst.track_ids):
            sources, kpts, scores = expected[(key, int(track))]
            assert sample.metainfo['clip_frames'][i].tolist() == sources
            np.testing.assert_allclose(inst.keypoints[i], kpts, rtol=0,
                                       atol=1e-5)
            np.testing.assert_allclose(inst.keypoint_scores[i], scores,
                                       rtol=0, atol=1e-5)
            substituted += sum(
                s != key + d and 0 <= key + d < NUM_FRAMES
                for s, d in zip(sources[1:], offsets))
    assert stats['support_substituted'] == substituted
    if boxes_file == 'full':
        assert substituted == 0
    elif offsets == OFFLINE:  # as counted in test_feature_stream.py
        assert (substituted, stats['support_from_key']) == (10, 6)


def test_the_cache_is_bounded_while_the_generator_runs(own_files, people):
    inferencer = VideoPoseInferencer(*own_files[OFFLINE], device='cpu')
    run = inferencer(people['frames'], bboxes_file=people['full'])
    held = []
    for result in run:
        stream = inferencer.feature_stream
        held.append(stream.cache.frame_indices)
        # two people per frame, features of at most before + after + 1
        # frames, none a later key frame does not need
        assert stream.cache.num_entries == 2 * len(held[-1])
        assert min(held[-1]) >= result['frame_index'] + 1 - 2
    assert stream.capacity == 5
    assert held[:3] == [[0, 1, 2], [0, 1, 2, 3], [1, 2, 3, 4]]
    assert held[5] == [4, 5, 6, 7]  # after the last read: flushing
    assert inferencer.stats['cache_peak_frames'] == 5


def test_outputs_match_the_clip_path_format(own_files, people, tmp_path):
    """Instance dicts and JSON as the clip path writes them; output
    delayed by the largest offset."""
    inferencer = VideoPoseInferencer(*own_files[OFFLINE], device='cpu')
    out_json = str(tmp_path / 'own.json')
    run = inferencer(people['frames'], bboxes_file=people['full'],
                     out_json=out_json)
    first = next(iter(run))
    assert len(inferencer.feature_stream.cache) == 3  # frames 0, 1, 2 read
    results = [first] + list(run)
    assert [r['frame_index'] for r in results] == list(range(NUM_FRAMES))
    person = results[0]['predictions'][0][0]
    assert sorted(person) == ['bbox', 'bbox_score', 'keypoint_scores',
                              'keypoints', 'track_id']
    with open(out_json) as f:
        pred = json.load(f)
    assert len(pred['annotations']) == 2 * NUM_FRAMES
    assert {a['track_id'] for a in pred['annotations']} == {0, 1}


def test_an_undecodable_frame_in_the_stream(own_files, tmp_path):
    video = corrupt_video_frame(tmp_path / 'mid.avi', 4)  # 8 frames, 96x64
    t = np.arange(8, dtype=np.float32)[:, None]
    boxes = np.concatenate([20 + 4 * t, 10 + 0 * t, 40 + 4 * t, 50 + 0 * t],
                           1)[:, None]
    boxes_file = write_boxes_file(str(tmp_path / 'mid.json'), boxes)
    inferencer = VideoPoseInferencer(*own_files[OFFLINE], device='cpu')
    with pytest.warns(UserWarning):
        results = list(inferencer(video, bboxes_file=boxes_file,
                                  return_datasamples=True))
    assert [r['readable'] for r in results] == [True] * 4 + [False] + [
        True] * 3
    assert len(results[4]['predictions'][0].pred_instances) == 0
    frames = {r['frame_index']: r['predictions'][0].metainfo['clip_frames']
              [0].tolist() for r in results if r['readable']}
    assert frames[3] == [3, 1, 2, 3, 5]  # 4: tie 3 / 5, the key frame
    assert frames[5] == [5, 3, 5, 6, 7]  # 4: tie, the key frame
    assert frames[6] == [6, 5, 5, 7, 7]  # 4 -> 5
    stats = inferencer.stats
    assert stats['person_frames'] == 7 and stats['backbone_crops'] == 14
    assert (stats['support_substituted'], stats['support_from_key']) == (
        4, 2)


def test_frames_of_another_size_stream(own_files, people, tmp_path):
    """Each person-frame is cropped in its own frame: a window may mix
    frame sizes (the clip path refuses that)."""
    frames = list(people['frames'])
    frames[3] = np.pad(frames[3], ((0, 0), (0, 40), (0, 0)))
    inferencer = VideoPoseInferencer(*own_files[OFFLINE], device='cpu')
    with pytest.warns(UserWarning, match='letterbox'):
        results = list(inferencer(frames, bboxes_file=people['full'],
                                  vis_out_dir=str(tmp_path / 'sizes.mp4')))
    assert [len(r['predictions'][0]) for r in results] == [2] * NUM_FRAMES
    assert inferencer.stats['resized'] == 1


def test_streaming_option(own_files, pose_files, people):
    """Auto: own-mode models stream, others do not; the errors."""
    key_model = VideoPoseInferencer(*pose_files, device='cpu')
    assert key_model.streaming is False
    crops = []
    hook = key_model.model.backbone.register_forward_hook(
        lambda module, args, out: crops.append(len(args[0])))
    try:
        list(key_model(people['frames'][:3], bboxes_file=people['full']))
    finally:
        hook.remove()
    stats = key_model.stats
    # the clip path: every clip's T = 3 crops through the backbone (no
    # flip test in this model)
    assert stats['streaming'] is False and stats['person_frames'] == 6
    assert stats['backbone_crops'] == sum(crops) == 6 * 3
    assert key_model.feature_stream is None
    with pytest.raises(ValueError, match=r"streaming=True needs a "
                       r"crop_mode='own' model.*crop_mode='key'"):
        VideoPoseInferencer(*pose_files, device='cpu', streaming=True)
    with pytest.raises(ValueError, match="streaming=False with a "
                       "crop_mode='own' model"):
        VideoPoseInferencer(*own_files[OFFLINE], device='cpu',
                            streaming=False)
    with pytest.raises(ValueError, match='tracking is disabled'):
        VideoPoseInferencer(*own_files[OFFLINE], device='cpu',
                            tracker=False)
    with pytest.raises(ValueError, match="streaming must be None, True or "
                       "False, got 'yes'"):
        VideoPoseInferencer(*own_files[OFFLINE], device='cpu',
                            streaming='yes')


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_cuda_streaming_matches_cpu(own_files, people):
    cpu = VideoPoseInferencer(*own_files[OFFLINE], device='cpu')
    gpu = VideoPoseInferencer(*own_files[OFFLINE], device='cuda')
    for a, b in zip(cpu(people['frames'], bboxes_file=people['gaps']),
                    gpu(people['frames'], bboxes_file=people['gaps'])):
        for p, q in zip(a['predictions'][0], b['predictions'][0]):
            assert p['track_id'] == q['track_id']
            np.testing.assert_allclose(p['keypoints'], q['keypoints'],
                                       atol=1e-2)
    assert gpu.stats['backbone_crops'] == 2 * gpu.stats['person_frames']
