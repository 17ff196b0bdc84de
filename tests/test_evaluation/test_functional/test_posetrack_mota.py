# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""PoseTrack MOTA equals a transcription of the official ``poseval``
computation (which calls ``motmetrics``), on generated videos with
identity switches, fragmented and spurious tracks, missed people, people
entering and leaving, ignore regions and unannotated frames."""
import motmetrics as mm
import numpy as np
import pytest

from fami_pose_mm.evaluation.functional import (ClearMotAccumulator,
                                                evaluate_tracking,
                                                load_posetrack18_video)
from fami_pose_mm.fileio import person_category

from generated_people import gt_person as _gt_person
from generated_people import pred_person as _pred_person
from poseval_tracking_reference import poseval_tracking

CATEGORY = person_category()


def _video(rng, v, num_frames=14, num_tracks=4):
    """Ground truth and predictions of one generated video."""
    images, gt_anns, pred_anns = [], [], []
    start = rng.integers(0, num_frames // 2, num_tracks)  # entering
    end = start + rng.integers(num_frames // 3, num_frames, num_tracks)
    pos = rng.uniform(200, 1000, (num_tracks, 2))
    vel = rng.normal(0, 15, (num_tracks, 2))
    head = rng.uniform(25, 60, num_tracks)
    pred_id = np.arange(num_tracks) + 10 * v  # GT track -> predicted id
    next_id = 100 + 10 * v
    for f in range(num_frames):
        image_id = 10000000 + v * 1000 + f
        image = dict(id=image_id, file_name=f'images/val/{v:06d}/{f:06d}.jpg')
        if rng.random() < 0.25:
            x0, y0 = rng.uniform(150, 900, 2)
            image['ignore_regions_x'] = [[x0, x0 + 250, x0 + 200, x0]]
            image['ignore_regions_y'] = [[y0, y0, y0 + 300, y0 + 260]]
        images.append(image)
        pos += vel
        if rng.random() < 0.2 and num_tracks > 1:  # identity switch
            a, b = rng.choice(num_tracks, 2, replace=False)
            pred_id[[a, b]] = pred_id[[b, a]]
        if rng.random() < 0.15:  # fragmentation: a new id for one track
            pred_id[rng.integers(num_tracks)] = next_id
            next_id += 1
        if f % 5 == 4 and v % 2:  # unannotated frame: its predictions
            pred_anns.append(_pred_person(  # are not scored
                rng, image_id, _gt_person(rng, image_id, 0, pos[0], 40), 0,
                0.1))
            continue
        present = [t for t in range(num_tracks) if start[t] <= f < end[t]]
        if not present:  # an annotated frame needs people: keep one
            present = [0]
        people = [_gt_person(rng, image_id, t, pos[t], head[t])
                  for t in present]
        if f == 3 and v == 1:  # annotated people listing no joint
            for p in people:
                p['keypoints'] = [0.0] * 51
        gt_anns += people
        if f == 5 and v == 2:  # a frame without predictions
            continue
        for t, person in zip(present, people):
            if rng.random() < 0.85:  # else missed
                pred_anns.append(_pred_person(
                    rng, image_id, person, int(pred_id[t]),
                    rng.choice([0.05, 0.2, 0.6])))
        if rng.random() < 0.3:  # a spurious track
            fake = _gt_person(rng, image_id, 99, rng.uniform(200, 1000, 2),
                              40)
            pred_anns.append(_pred_person(rng, image_id, fake, 9000 + v,
                                          0.05))
    for k, ann in enumerate(pred_anns):
        ann['id'] = k
    return (dict(images=images, annotations=gt_anns, categories=[CATEGORY]),
            dict(images=images, annotations=pred_anns,
                 categories=[CATEGORY]))


def _ours(gts, preds):
    gt_frames, pred_frames = [], []
    for v, (gt, pred) in enumerate(zip(gts, preds)):
        gt_frames += load_posetrack18_video(gt, True, f'{v}.json', True)
        pred_frames += load_posetrack18_video(pred, False, f'{v}.json', True)
    return evaluate_tracking(gt_frames, pred_frames)


@pytest.mark.parametrize('seed', [0, 1, 2, 3])
def test_equal_to_poseval_on_generated_videos(seed):
    rng = np.random.default_rng(seed)
    videos = [_video(rng, v) for v in range(5)]
    gts, preds = [g for g, _ in videos], [p for _, p in videos]
    ref = poseval_tracking(gts, preds)
    res = _ours(gts, preds)
    for key in ('num_misses', 'num_switches', 'num_false_positives',
                'num_objects', 'num_detections'):
        np.testing.assert_array_equal(res[key], ref[key], err_msg=key)
    assert res['num_switches'].sum() > 10  # the data has switches
    assert res['num_misses'].sum() > 10 and \
        res['num_false_positives'].sum() > 10
    for ours, theirs in (('mota', 'mota'), ('motp', 'motp'),
                         ('precision', 'pre'), ('recall', 'rec')):
        np.testing.assert_allclose(res[ours], ref[theirs][:15], rtol=0,
                                   atol=1e-6, err_msg=ours)
    summary = res['summary']
    assert summary['Total'] == pytest.approx(ref['mota'][15], abs=1e-6)
    assert summary['MOTP'] == pytest.approx(ref['motp'][15], abs=1e-6)
    assert summary['Precision'] == pytest.approx(ref['pre'][15], abs=1e-6)
    assert summary['Recall'] == pytest.approx(ref['rec'][15], abs=1e-6)
    head = [14, 12, 13]  # poseval's getCum: head_top, neck, nose
    assert summary['Head'] == pytest.approx(ref['mota'][head].mean(),
                                            abs=1e-6)


def _events(rng, num_frames=30):
    """Random frames of objects, hypotheses and candidate distances."""
    for _ in range(num_frames):
        oids = rng.choice(6, rng.integers(0, 5), replace=False)
        hids = rng.choice(8, rng.integers(0, 5), replace=False) + 100
        dists = rng.uniform(0, 1, (len(oids), len(hids)))
        dists[rng.random(dists.shape) < 0.4] = np.nan
        yield oids, hids, dists


@pytest.mark.parametrize('seed', range(6))
def test_accumulator_equals_motmetrics(seed):
    rng = np.random.default_rng(seed)
    ours, theirs = ClearMotAccumulator(), mm.MOTAccumulator(auto_id=True)
    for oids, hids, dists in _events(rng):
        ours.update(oids, hids, dists)
        theirs.update(oids, hids, dists)
    names = list(ours.counts)
    got = mm.metrics.create().compute(theirs, metrics=names,
                                      return_dataframe=False, name='acc')
    assert ours.counts == {k: int(got[k]) for k in names}
    assert ours.sum_dist == pytest.approx(theirs.events['D'].sum(), abs=1e-9)
    types = set(theirs.events['Type'])
    assert {'SWITCH', 'TRANSFER'} <= types  # the hard cases occur


def test_last_frame_of_each_video_is_not_scored():
    rng = np.random.default_rng(5)
    gt, pred = _video(rng, 0, num_frames=6, num_tracks=2)
    frames = load_posetrack18_video(gt, True, 'v.json', True)
    preds = load_posetrack18_video(pred, False, 'v.json', True)
    res = evaluate_tracking(frames, preds)
    annotated = sum(f.num_people > 0 for f in frames)
    assert res['num_frames'] == annotated - 1
    # a perfect copy of the ground truth tracks perfectly
    copy = load_posetrack18_video(gt, False, 'v.json', True)
    perfect = evaluate_tracking(frames, copy)
    assert perfect['summary']['Total'] == 100.0
    # matched distances are 0; MOTP also sums candidate pairs of other
    # people (poseval counts motmetrics' RAW rows), so it may stay below 100
    assert perfect['summary']['MOTP'] > 95
    assert perfect['num_switches'].sum() == 0
