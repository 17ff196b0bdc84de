# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""PoseTrack21 mAP and keypoint HOTA equal a transcription of the
PoseTrack21 kit's computation (``posetrack21_kit_reference.py``), on
generated PoseTrack21 videos with ignore regions, box-only persons,
unlabelled frames, identity switches, fragmented, spurious and missed
tracks; and where the kit stops with an exception, the documented
behaviour."""
import json
import os
import os.path as osp

import numpy as np
import pytest
import shapely

from fami_pose_mm.evaluation.functional import (evaluate_posetrack21_hota,
                                                evaluate_posetrack21_map,
                                                prepare_videos)
from fami_pose_mm.evaluation.functional.posetrack21_hota import (
    COUNT_FIELDS, FLOAT_FIELDS, evaluate_video)
from fami_pose_mm.evaluation.functional.posetrack21_map import (
    frame_entries, summarize_map)
from fami_pose_mm.fileio import load_posetrack18_folders, person_category

from generated_people import gt_person, pred_person
from posetrack21_kit_reference import kit_evaluate

CATEGORY = person_category()


def _gt21(rng, image_id, track, centre, head, video):
    """A PoseTrack21 ground-truth person (``person_id``, ``bbox``)."""
    return gt_person(rng, image_id, track, centre, head,
                     person_id=1000 * video + track,
                     bbox=[float(centre[0] - 2 * head),
                           float(centre[1] - 4 * head), 4 * head, 8 * head])


def _box_only(gt, track, video):
    """A person with a box and no keypoints, beside ``gt``."""
    x, y, w, h = gt['bbox']
    return dict(id=gt['image_id'] * 100 + track, image_id=gt['image_id'],
                track_id=track, person_id=1000 * video + track,
                category_id=1, keypoints=[0] * 51, bbox=[x + w, y, w, h],
                bbox_head=[x + w, y, w / 4, h / 8])


def _keeps_a_person(image, people):
    """Whether the frame's ignore polygons leave a ground-truth person
    with a joint (the kit stops on a labelled frame without one)."""
    polygons = [shapely.Polygon(list(zip(xs, ys))) for xs, ys in zip(
        image['ignore_regions_x'], image['ignore_regions_y'])]
    for p in people:
        xy = np.delete(np.array(p['keypoints']).reshape(17, 3), [3, 4],
                       0)[:, :2]
        inside = np.zeros(15, bool)
        for poly in polygons:
            inside |= shapely.contains_xy(poly, xy[:, 0], xy[:, 1])
        xy[inside] = 0
        if not inside.all() and ((xy[:, 0] > 0) | (xy[:, 1] > 0)).any():
            return True
    return False


def _video(rng, v, num_frames=14, num_tracks=4):
    """Ground truth and predictions of one generated PoseTrack21 video."""
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
        image = dict(id=image_id, file_name=f'images/val/{v:06d}/{f:06d}.jpg',
                     is_labeled=True, has_labeled_person=True,
                     ignore_regions_x=[], ignore_regions_y=[])
        images.append(image)
        pos += vel
        if rng.random() < 0.2 and num_tracks > 1:  # identity switch
            a, b = rng.choice(num_tracks, 2, replace=False)
            pred_id[[a, b]] = pred_id[[b, a]]
        if f in (6, 7) and num_tracks > 1:  # a switch and back: fragments
            pred_id[[0, 1]] = pred_id[[1, 0]]
        if rng.random() < 0.15:  # fragmentation: a new id for one track
            pred_id[rng.integers(num_tracks)] = next_id
            next_id += 1
        if f % 5 == 4 and v % 2:  # unlabelled frame: its predictions
            image['is_labeled'] = False  # are not scored
            image['has_labeled_person'] = False
            pred_anns.append(pred_person(
                rng, image_id,
                _gt21(rng, image_id, 0, pos[0], 40, v), 0, 0.1))
            continue
        present = [t for t in range(num_tracks) if start[t] <= f < end[t]]
        if not present:  # a labelled frame needs people: keep one
            present = [0]
        people = [_gt21(rng, image_id, t, pos[t], head[t], v)
                  for t in present]
        if rng.random() < 0.35:  # ignore polygons over part of the people
            x0, y0 = people[0]['keypoints'][15:17]
            image['ignore_regions_x'] = [[x0 - 60, x0 + 80, x0 + 60,
                                          x0 - 40]]
            image['ignore_regions_y'] = [[y0 - 90, y0 - 90, y0 + 120,
                                          y0 + 100]]
            if rng.random() < 0.5:
                x1, y1 = rng.uniform(100, 1100, 2)
                image['ignore_regions_x'].append([x1, x1 + 300, x1 + 150])
                image['ignore_regions_y'].append([y1, y1, y1 + 400])
            if not _keeps_a_person(image, people):
                image['ignore_regions_x'], image['ignore_regions_y'] = [], []
        if rng.random() < 0.4:  # a box-only person
            people.append(_box_only(people[-1], 50 + len(people), v))
        gt_anns += people
        if f == 5 and v == 2:  # a frame without predictions
            continue
        for t, person in zip(present, people):
            if rng.random() < 0.85:  # else missed
                pred_anns.append(pred_person(
                    rng, image_id, person, int(pred_id[t]),
                    rng.choice([0.05, 0.2, 0.6])))
        if rng.random() < 0.3:  # a spurious track
            fake = _gt21(rng, image_id, 99, rng.uniform(200, 1000, 2), 40,
                         v)
            pred_anns.append(pred_person(rng, image_id, fake, 9000 + v,
                                         0.05))
    for k, ann in enumerate(pred_anns):
        ann['id'] = k
    pred_images = [{k: i[k] for k in ('id', 'file_name')} for i in images]
    return (dict(images=images, annotations=gt_anns, categories=[CATEGORY]),
            dict(images=pred_images, annotations=pred_anns,
                 categories=[CATEGORY]))


def _write(folder, videos):
    os.makedirs(folder, exist_ok=True)
    for name, video in videos.items():
        with open(osp.join(folder, name), 'w') as f:
            json.dump(video, f)
    return folder


def _ours(tmp_path, gts, preds, tracking=True):
    gt_frames, pred_frames, _ = load_posetrack18_folders(
        _write(str(tmp_path / 'gt'), gts), _write(str(tmp_path / 'pred'),
                                                  preds),
        tracking=tracking, dataset='posetrack21')
    frames = prepare_videos(gt_frames, pred_frames)
    return (evaluate_posetrack21_map(frames),
            evaluate_posetrack21_hota(frames) if tracking else None)


def _generated(seed, num_videos=5):
    rng = np.random.default_rng(seed)
    videos = [_video(rng, v) for v in range(num_videos)]
    return ({f'{v:06d}_mpii_test.json': g for v, (g, _) in enumerate(videos)},
            {f'{v:06d}_mpii_test.json': p for v, (_, p) in enumerate(videos)})


@pytest.mark.parametrize('seed', [0, 1, 2, 3])
def test_equal_to_the_kit_on_generated_videos(tmp_path, seed):
    gts, preds = _generated(seed)
    kit = kit_evaluate(gts, preds)
    mean_ap, hota = _ours(tmp_path, gts, preds)
    # HOTA: every field, every threshold, every joint and the Total column.
    for field in FLOAT_FIELDS + COUNT_FIELDS:
        np.testing.assert_allclose(hota['per_alpha'][field],
                                   kit['hota'][field], rtol=0, atol=1e-6,
                                   err_msg=field)
    for field in ('HOTA(0)', 'LocA(0)', 'HOTALocA(0)'):
        assert hota['summary'][field] == pytest.approx(
            100 * kit['hota'][field][-1], abs=1e-6)
    for field in ('HOTA', 'DetA', 'AssA', 'LocA'):
        assert hota['summary'][field] == pytest.approx(
            100 * kit['hota'][field][:, -1].mean(), abs=1e-6)
    # The data exercises the cases: misses, false positives, imperfect
    # association (switches, fragments), localisation error.
    tp, fn, fp = (hota['per_alpha'][f][:, -1] for f in COUNT_FIELDS)
    assert fn[0] > 50 and fp[0] > 50 and tp[0] > 500
    assert 10 < hota['summary']['AssA'] < 95
    assert hota['summary']['FragA'] < hota['summary']['AssA']
    # mAP: the groups and Total, precision and recall.
    for ours, theirs in (('ap', 'map'), ('precision', 'precision'),
                         ('recall', 'recall')):
        for group, value in summarize_map(mean_ap[ours]).items():
            key = {'Shoulder': 'Shou', 'Elbow': 'Elb', 'Wrist': 'Wri',
                   'Ankle': 'Ankl'}.get(group, group)
            assert value == pytest.approx(kit['map'][theirs][key],
                                          abs=1e-6), (ours, group)
    assert 15 < mean_ap['summary']['Total'] < 95


def test_ignore_regions_and_box_only_persons_change_the_result(tmp_path):
    gts, preds = _generated(0)
    plain = {n: json.loads(json.dumps(v)) for n, v in gts.items()}
    for video in plain.values():
        for image in video['images']:
            image['ignore_regions_x'], image['ignore_regions_y'] = [], []
    assert any(i['ignore_regions_x'] for v in gts.values()
               for i in v['images'])
    with_regions = _ours(tmp_path / 'a', gts, preds)
    without = _ours(tmp_path / 'b', plain, preds)
    assert with_regions[0]['num_gt'].sum() < without[0]['num_gt'].sum()
    # A box-only person without bbox_head scores as one with it (the kit
    # reads bbox_head of every person; no distance is measured to it).
    no_head = {n: json.loads(json.dumps(v)) for n, v in gts.items()}
    for video in no_head.values():
        for ann in video['annotations']:
            if not any(ann['keypoints']):
                del ann['bbox_head']
    again = _ours(tmp_path / 'c', no_head, preds)
    np.testing.assert_array_equal(again[0]['ap'], with_regions[0]['ap'])
    np.testing.assert_array_equal(again[1]['per_alpha']['HOTA'],
                                  with_regions[1]['per_alpha']['HOTA'])


def test_perfect_predictions(tmp_path):
    gts, _ = _generated(1, num_videos=2)
    preds = {}
    for name, video in gts.items():
        anns = [dict(a, scores=[1.0] * 17) for a in video['annotations']
                if any(a['keypoints'])]
        preds[name] = dict(images=video['images'], annotations=anns,
                           categories=[CATEGORY])
    mean_ap, hota = _ours(tmp_path, gts, preds)
    assert mean_ap['summary']['Total'] == pytest.approx(100)
    np.testing.assert_allclose(hota['per_joint']['DetA'][:15], 100)
    np.testing.assert_allclose(hota['per_joint']['LocA'][:15], 100)
    np.testing.assert_allclose(hota['per_joint']['AssA'][:15], 100)


def test_where_the_kit_stops(tmp_path):
    """A video without predictions, a labelled frame without ground truth
    and predictions in a frame that has none: the kit raises; here misses
    and false positives, as documented."""
    gts, preds = _generated(2, num_videos=3)
    name = sorted(preds)[1]
    empty = dict(preds, **{name: dict(preds[name], annotations=[])})
    _, base = _ours(tmp_path / 'a', gts, preds)
    _, hota = _ours(tmp_path / 'b', gts, empty)
    with pytest.raises(Exception):
        kit_evaluate(gts, empty)
    gt_frames, pred_frames, _ = load_posetrack18_folders(
        str(tmp_path / 'b' / 'gt'), str(tmp_path / 'b' / 'pred'),
        tracking=True, dataset='posetrack21')
    by_gt = prepare_videos(gt_frames, gt_frames)
    by_pred = prepare_videos(gt_frames, pred_frames)
    key = next(n for n in by_gt if n.endswith(name))
    video, alone = evaluate_video(by_gt[key]), evaluate_video(by_pred[key])
    # the video's joints are all misses, LocA 1, a Total column as others
    np.testing.assert_array_equal(alone['HOTA_TP'], 0)
    np.testing.assert_array_equal(alone['HOTA_FN'], video['HOTA_TP'])
    np.testing.assert_array_equal(alone['LocA'], 1)
    assert alone['HOTA'].shape == (19, 16)
    assert hota['summary']['DetA'] < base['summary']['DetA']
    # A labelled frame whose ground truth has no person: its predictions
    # are false positives in the mAP.
    first = sorted(gts)[0]
    image_id = gts[first]['images'][0]['id']
    bare = dict(gts, **{first: dict(
        gts[first], annotations=[a for a in gts[first]['annotations']
                                 if a['image_id'] != image_id])})
    with pytest.raises(Exception):
        kit_evaluate(bare, preds)
    mean_ap, _ = _ours(tmp_path / 'c', bare, preds)
    gt_frames, pred_frames, _ = load_posetrack18_folders(
        str(tmp_path / 'c' / 'gt'), str(tmp_path / 'c' / 'pred'),
        dataset='posetrack21')
    frame = next(iter(prepare_videos(gt_frames, pred_frames).values()))[0]
    _, labels, entries = frame_entries(frame)
    assert frame.gt.shape[0] == 0 and entries.sum() > 10
    assert not labels.any()
    full, _ = _ours(tmp_path / 'd', gts, preds)
    assert mean_ap['num_pred'].sum() == full['num_pred'].sum()
    assert mean_ap['num_gt'].sum() < full['num_gt'].sum()
