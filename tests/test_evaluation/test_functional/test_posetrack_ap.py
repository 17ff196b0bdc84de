# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Hand-derived PoseTrack AP cases (the poseval protocol).

Conventions of the helpers below: joints are in ``POSEVAL_JOINTS`` order
(0 r_ankle, 1 r_knee, 2 r_hip, 3 l_hip, 4 l_knee, 5 l_ankle, 6 r_wrist,
7 r_elbow, 8 r_shoulder, 9 l_shoulder, 10 l_elbow, 11 l_wrist,
12 head_bottom, 13 nose, 14 head_top). Every person has the head box
30 x 40 px, diagonal 50, head size 0.6 * 50 = 30 px, so a predicted joint
matches when it is within 0.5 * 30 = 15 px. Joint j of the person at
offset (ox, oy) is at (ox + 20 j, oy); people are 100 px apart.
"""
import numpy as np
import pytest

from fami_pose_mm.evaluation.functional import (PoseTrackFrame,
                                                evaluate_posetrack, summarize,
                                                voc_ap)

BASE = np.stack([np.arange(15) * 20.0, np.zeros(15)], axis=1)  # (15, 2)


def person(oy: float = 0.0) -> np.ndarray:
    """Joint positions (15, 2) of a person at vertical offset ``oy``."""
    return BASE + [0.0, oy]


def gt(people, regions=(), valid=None) -> PoseTrackFrame:
    kpts = np.array(people, dtype=float).reshape(-1, 15, 2)
    heads = np.tile([0.0, 0.0, 30.0, 40.0], (len(kpts), 1))
    valid = np.ones(kpts.shape[:2], bool) if valid is None else valid
    return PoseTrackFrame('gt', kpts, np.asarray(valid, bool),
                          head_boxes=heads,
                          ignore_regions=[np.array(r, float) for r in regions])


def pred(people, scores, valid=None) -> PoseTrackFrame:
    kpts = np.array(people, dtype=float).reshape(-1, 15, 2)
    scores = np.broadcast_to(np.asarray(scores, float)[:, None],
                             kpts.shape[:2]).copy()
    valid = np.ones(kpts.shape[:2], bool) if valid is None else valid
    return PoseTrackFrame('pred', kpts, np.asarray(valid, bool), scores)


def total(result) -> float:
    return result['summary']['Total']


def test_voc_ap_by_hand():
    # sorted labels [TP, FP, TP], 2 positives: precision 1, 1/2, 2/3,
    # recall 1/2, 1/2, 1; envelope 1, 2/3, 2/3 -> 1/2 * 1 + 1/2 * 2/3
    ap, pre, rec = voc_ap(np.array([0.9, 0.8, 0.7]),
                          np.array([1, 0, 1]), 2)
    assert ap == pytest.approx(100 * (0.5 + 1 / 3))
    assert (pre, rec) == (pytest.approx(200 / 3), 100.0)
    assert voc_ap(np.zeros(0), np.zeros(0), 3) == (0.0, 0.0, 0.0)
    assert np.isnan(voc_ap(np.ones(2), np.zeros(2), 0)[0])  # no positives


def test_perfect_and_swapped_people():
    a, b = person(0), person(100)
    assert total(evaluate_posetrack([gt([a, b])],
                                    [pred([b, a], [0.5, 0.7])])) == 100
    # P1 = A's joints 0-7 + B's joints 8-14 (8/15 of A, 7/15 of B) -> A;
    # P2 = the complement -> B. Joints 0-7: two TPs of 2 GT -> 100;
    # joints 8-14: two FPs -> 0. Total = 8 * 100 / 15.
    p1 = np.concatenate([a[:8], b[8:]])
    p2 = np.concatenate([b[:8], a[8:]])
    res = evaluate_posetrack([gt([a, b])], [pred([p1, p2], [0.9, 0.8])])
    np.testing.assert_allclose(res['ap'], [100] * 8 + [0] * 7)
    assert res['summary'] == pytest.approx(
        dict(Head=0, Shoulder=0, Elbow=50, Wrist=50, Hip=100, Knee=100,
             Ankle=100, Total=800 / 15))


def test_false_positive_and_missed_person():
    a, far = person(0), person(500)
    # FP below the TP: [TP, FP], 1 GT -> precision 1 at recall 1 -> 100
    assert total(evaluate_posetrack([gt([a])],
                                    [pred([a, far], [0.9, 0.5])])) == 100
    # FP above: [FP, TP] -> precision 1/2 at recall 1 -> 50
    assert total(evaluate_posetrack([gt([a])],
                                    [pred([a, far], [0.5, 0.9])])) == 50
    # missed person: one TP of 2 GT -> recall 1/2 at precision 1 -> 50
    res = evaluate_posetrack([gt([a, person(100)])], [pred([a], [1.0])])
    assert total(res) == 50
    assert res['num_gt'].tolist() == [2] * 15


def test_ignore_region_removes_joints_and_people():
    a, b = person(0), person(100)
    around_a0 = [[-5, -5], [5, -5], [5, 5], [-5, 5]]  # A's right ankle
    around_fp = [[-10, 490], [300, 490], [300, 510], [-10, 510]]
    fp = person(500)  # an FP person entirely inside the second region
    frames = [gt([a, b], regions=[around_a0, around_fp])]
    res = evaluate_posetrack(frames, [pred([a, b, fp], [0.8, 0.8, 0.99])])
    # the FP is removed; A's right ankle leaves GT and prediction
    assert total(res) == 100
    assert res['num_gt'][0] == 1 and res['num_pred'][0] == 1
    # without regions the FP ranks first: [FP, TP, TP] of 2 GT ->
    # envelope 2/3 over recall 0..1 -> 66.67
    res = evaluate_posetrack([gt([a, b])], [pred([a, b, fp], [.8, .8, .99])])
    assert total(res) == pytest.approx(200 / 3)
    # a joint only in the GT region with nothing left: no GT, no
    # prediction -> AP 0 (poseval keeps its initial 0), Ankle = (0+100)/2
    res = evaluate_posetrack([gt([a], regions=[around_a0])],
                             [pred([a], [1.0])])
    assert res['ap'][0] == 0 and res['summary']['Ankle'] == 50


def test_frames_without_annotations():
    a, fp = person(0), person(500)
    gts = [gt([a]), gt([])]
    # frame 2 has no GT people: its (high-scored) FP does not count
    assert total(evaluate_posetrack(gts, [pred([a], [.5]),
                                          pred([fp], [.9])])) == 100
    # a GT person without any annotated joint makes the frame count:
    # [FP .9, TP .5] of 1 GT -> 50
    gts[1] = gt([fp], valid=np.zeros((1, 15), bool))
    assert total(evaluate_posetrack(gts, [pred([a], [.5]),
                                          pred([fp], [.9])])) == 50


def test_prediction_with_missing_joints():
    a = person(0)
    valid = np.ones((1, 15), bool)
    valid[0, 12:] = False  # no head_bottom, nose, head_top
    res = evaluate_posetrack([gt([a])], [pred([a], [1.0], valid)])
    # matched (12/15); head joints: 1 GT, no detection -> AP 0
    assert res['summary']['Head'] == 0
    assert total(res) == pytest.approx(12 * 100 / 15)
    # a predicted joint at a GT joint that is not annotated is an FP:
    gt_valid = np.ones((1, 15), bool)
    gt_valid[0, 0] = False
    res = evaluate_posetrack([gt([a], valid=gt_valid)], [pred([a], [1.0])])
    assert np.isnan(res['ap'][0])  # detections but 0 GT -> NaN (poseval)
    assert np.isnan(res['summary']['Ankle'])
    assert total(res) == 100  # Total skips NaN joints


def test_equal_scores():
    a, b, far = person(0), person(100), person(500)
    # ties between entries of equal label do not matter
    assert total(evaluate_posetrack([gt([a, b])],
                                    [pred([a, b], [0.5, 0.5])])) == 100
    # a TP tied with an FP: poseval's argsort order decides (TP first:
    # 100, FP first: 50)
    res = evaluate_posetrack([gt([a])], [pred([a, far], [0.5, 0.5])])
    assert total(res) in (50, 100)


def test_greedy_on_fraction_not_score():
    a = person(0)
    p1 = a.copy()
    p1[10:] += 100  # 10/15 joints right, higher score
    # GT takes P2 (15/15) although P1 scores higher; P1 is all FP:
    # every joint [FP .9, TP .1] of 1 GT -> 50
    res = evaluate_posetrack([gt([a])], [pred([p1, a], [0.9, 0.1])])
    assert total(res) == 50


def test_each_prediction_keeps_its_best_person_only():
    # B shares A's joints 0-12; P1 = A (1 vs 13/15), P2 = A with joint 14
    # moved (14/15 vs 13/15): both prefer A, A takes P1, P2 is all FP
    # although it could match B. Per joint [TP .9, FP .8] of 2 GT:
    # precision 1 at recall 1/2 -> 50.
    a = person(0)
    b = a.copy()
    b[13:] += [0, 100]
    p2 = a.copy()
    p2[14] += [0, 300]
    res = evaluate_posetrack([gt([a, b])], [pred([a, p2], [0.9, 0.8])])
    np.testing.assert_allclose(res['ap'], 50)


def test_joint_mask():
    a, b, fp = person(0), person(100), person(500)
    frames = [gt([a, b])]
    preds = [pred([a, b, fp], [0.9, 0.8, 0.95])]
    only_a = [np.array([[True] * 15, [False] * 15])]
    # unmasked: [FP, TP, TP] of 2 GT -> 66.67 (see ignore-region test)
    assert total(evaluate_posetrack(frames, preds)) == pytest.approx(200 / 3)
    # B's joints leave the GT and B's entries are dropped: [FP, TP] of 1
    assert total(evaluate_posetrack(frames, preds, only_a)) == 50
    # also dropping entries of unassigned predictions: [TP] -> 100
    assert total(evaluate_posetrack(frames, preds, only_a,
                                    drop_unassigned=True)) == 100
    # an all-True mask, here in the 17-slot layout, changes nothing
    full = evaluate_posetrack(frames, preds, [np.ones((2, 17), bool)])
    np.testing.assert_array_equal(full['ap'],
                                  evaluate_posetrack(frames, preds)['ap'])
    with pytest.raises(ValueError, match='joint_mask'):
        evaluate_posetrack(frames, preds, [np.ones((2, 16), bool)])


def _random_frames(rng, num_frames=12):
    gts, preds = [], []
    for _ in range(num_frames):
        n = rng.integers(1, 5)
        people = rng.uniform(0, 1000, (n, 1, 2)) + rng.normal(0, 40, (n, 15, 2))
        frame = gt(people, valid=rng.random((n, 15)) > 0.2)
        frame.head_boxes[:, 2:] = rng.uniform(20, 60, (n, 2))
        gts.append(frame)
        keep = rng.random(n) > 0.2
        guesses = np.concatenate([people[keep] + rng.normal(0, 8, (keep.sum(), 15, 2)),
                                  rng.uniform(0, 1000, (2, 15, 2))])
        p = pred(guesses, np.zeros(len(guesses)),
                 valid=rng.random(guesses.shape[:2]) > 0.1)
        p.scores[:] = rng.random(p.scores.shape)
        preds.append(p)
    return gts, preds


def test_invariant_to_order_and_monotone_rescaling():
    rng = np.random.default_rng(0)
    gts, preds = _random_frames(rng)
    ref = evaluate_posetrack(gts, preds)
    assert 20 < total(ref) < 95
    for p in preds:
        order = rng.permutation(p.num_people)
        p.keypoints, p.valid = p.keypoints[order], p.valid[order]
        p.scores = np.log(p.scores[order] + 1e-3) * 7 + 3  # increasing
    shuffled = evaluate_posetrack(gts, preds)
    np.testing.assert_allclose(shuffled['ap'], ref['ap'], rtol=0, atol=1e-9)


def test_summary_groups_and_errors():
    ap = np.arange(15, dtype=float)
    s = summarize(ap)
    assert s['Head'] == (14 + 12 + 13) / 3 and s['Ankle'] == 2.5
    assert s['Total'] == 7.0
    with pytest.raises(ValueError, match='frames'):
        evaluate_posetrack([gt([person()])], [])
    no_head = gt([person()])
    no_head.head_boxes[:] = np.nan
    with pytest.raises(ValueError, match='bbox_head'):
        evaluate_posetrack([no_head], [pred([person()], [1.0])])
