# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Time the PoseTrack AP and tracking (MOTA) evaluations on a generated
PoseTrack-val-sized set, and the start of the evaluation command.

Generates (seeded) PoseTrack18-format ground truth and predictions for
about 50k annotated person-frames (170 videos like PoseTrack18 val, noisy
copies of the ground truth plus false positives, missed people, ignore
regions; predicted track ids follow the ground truth, with swaps), writes
them as per-video JSON files and times loading them, the AP, the tracking
evaluation, and ``python tools/eval_posetrack.py --help`` (the start of
the command: imports only, against ``python -c pass`` in the same run)::

    python tools/analysis/benchmark_posetrack_eval.py --people 50000

With ``--dataset posetrack21`` the files are PoseTrack21's (``person_id``,
``is_labeled`` on every other frame, ignore regions, one box-only person
in about every third labelled frame) and the timed evaluations are the
PoseTrack21 kit's mAP and keypoint HOTA
(``fami_pose_mm/evaluation/functional/posetrack21_*.py``), against the
kit's logic as transcribed for the equality tests
(``tests/test_evaluation/test_functional/posetrack21_kit_reference.py``,
the kit's loops; ``--no-kit`` skips it) on the same files. The kit itself
cannot run here: it is not on the package index (the machine reaches no
other site), and its code needs numpy < 1.24 (``np.int``, ``np.float``)::

    python tools/analysis/benchmark_posetrack_eval.py --dataset posetrack21
"""
import warnings

warnings.filterwarnings(  # mmengine imports pkg_resources: hide only that
    'ignore', message='pkg_resources is deprecated as an API',
    category=UserWarning)

import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import tempfile
import time
from typing import List, Tuple

import numpy as np

from fami_pose_mm.evaluation.functional import (evaluate_posetrack,
                                                evaluate_tracking)
from fami_pose_mm.fileio import load_posetrack18_folders, person_category

CATEGORY = person_category()


def _person(rng: np.random.Generator, image_id: int, idx: int) -> dict:
    """A random ground-truth person (ears and ~10% of joints unannotated)."""
    center = rng.uniform([200, 200], [1700, 900])
    head = rng.uniform(30, 120)
    kpts = center + rng.normal(0, 2.5 * head, (17, 2))
    vis = (rng.random(17) > 0.1).astype(float)
    vis[3:5] = 0
    kpts = np.concatenate([kpts * vis[:, None], vis[:, None]], 1)
    x1, y1 = kpts[2, :2] - head / 2 if vis[2] else center - head / 2
    return dict(id=image_id * 100 + idx, image_id=image_id, category_id=1,
                track_id=idx, keypoints=kpts.reshape(-1).round(2).tolist(),
                bbox_head=[float(x1), float(y1), head, head * 0.9],
                scores=[])


def _predict(rng: np.random.Generator, gt: dict, image_id: int,
             track_id: int) -> dict:
    """A noisy copy of a ground-truth person; joint scores fall with the
    error (about 0.6 * head box width is the head size)."""
    kpts = np.array(gt['keypoints']).reshape(17, 3)
    head = gt['bbox_head'][2]
    noise = rng.normal(0, 0.2 * head, (17, 2))
    xy = kpts[:, :2] + noise
    err = np.linalg.norm(noise, axis=1) / (0.6 * head)
    scores = np.clip(1 - err + rng.normal(0, 0.1, 17), 0.01, 1).round(3)
    drop = rng.random(17) < 0.05
    xy[drop], scores[drop] = 0, 0
    out = np.concatenate([xy, scores[:, None]], 1)
    return dict(image_id=image_id, category_id=1, score=float(scores.mean()),
                keypoints=out.reshape(-1).round(2).tolist(),
                scores=scores.tolist(), track_id=track_id)


def make_videos(num_people: int = 50000, num_videos: int = 170,
                people_per_frame: int = 8,
                seed: int = 0,
                posetrack21: bool = False) -> Tuple[List[dict], List[dict]]:
    """Seeded PoseTrack18-format ground-truth and prediction videos.

    Args:
        num_people (int): Annotated person-frames in total (approx.).
        num_videos (int): Number of videos.
        people_per_frame (int): Mean people per annotated frame.
        seed (int): Random seed.
        posetrack21 (bool): PoseTrack21 files: ``person_id``,
            ``has_labeled_person``, ignore-region lists on every image, a
            box-only person in about every third labelled frame, at least
            one person per labelled frame (the kit needs one) and ignore
            regions only where there are two or more.

    Returns:
        tuple: ground-truth dicts and prediction dicts, one per video.
    """
    rng = np.random.default_rng(seed)
    frames = max(1, num_people // (people_per_frame * num_videos))
    gts, preds = [], []
    for v in range(num_videos):
        images, gt_anns, pred_anns = [], [], []
        for f in range(frames * 2):  # every other frame is unannotated
            image_id = 10000000 + v * 1000 + f
            image = dict(id=image_id, file_name=f'images/val/{v:06d}/{f:06d}.jpg',
                         is_labeled=f % 2 == 0)
            if f % 2 == 0 and rng.random() < 0.3:
                x0, y0 = rng.uniform(0, 1500), rng.uniform(0, 700)
                image['ignore_regions_x'] = [[x0, x0 + 300, x0 + 250, x0]]
                image['ignore_regions_y'] = [[y0, y0, y0 + 350, y0 + 300]]
            images.append(image)
            count = rng.poisson(people_per_frame)
            people = [] if f % 2 else [
                _person(rng, image_id, i)
                for i in range(max(count, 1) if posetrack21 else count)]
            if posetrack21:
                _posetrack21_frame(rng, image, people, v)
            gt_anns += people
            people = [p for p in people if any(p['keypoints'])]
            ids = np.arange(len(people))
            if len(people) > 1 and rng.random() < 0.2:  # an identity swap
                a, b = rng.choice(len(people), 2, replace=False)
                ids[[a, b]] = ids[[b, a]]
            for person, track in zip(people, ids):
                if rng.random() > 0.1:  # 10% missed
                    pred_anns.append(
                        _predict(rng, person, image_id, int(track)))
            for k in range(rng.poisson(1.0)):  # false positives
                pred_anns.append(
                    _predict(rng, _person(rng, image_id, 0), image_id,
                             1000 + k))
        gts.append(dict(images=images, annotations=gt_anns,
                        categories=[CATEGORY]))
        preds.append(dict(images=[dict(id=i['id'], file_name=i['file_name'])
                                  for i in images],
                          annotations=pred_anns, categories=[CATEGORY]))
    return gts, preds


def _posetrack21_frame(rng: np.random.Generator, image: dict,
                       people: List[dict], video: int) -> None:
    """Make one generated frame PoseTrack21's (see :func:`make_videos`)."""
    image['has_labeled_person'] = bool(people)
    if len(people) < 2 or 'ignore_regions_x' not in image:
        image['ignore_regions_x'], image['ignore_regions_y'] = [], []
    for person in people:
        person['person_id'] = 1000 * video + person['track_id']
    if people and rng.random() < 0.3:
        box_only = dict(people[0], id=people[0]['id'] + 50, track_id=50,
                        person_id=1000 * video + 50, keypoints=[0] * 51)
        people.append(box_only)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--people', type=int, default=50000)
    parser.add_argument('--videos', type=int, default=170)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--dataset', choices=('posetrack18', 'posetrack21'),
                        default='posetrack18')
    parser.add_argument('--no-kit', action='store_true',
                        help='posetrack21: do not time the kit transcription')
    args = parser.parse_args()
    pt21 = args.dataset == 'posetrack21'
    gts, preds = make_videos(args.people, args.videos, seed=args.seed,
                             posetrack21=pt21)
    with tempfile.TemporaryDirectory() as tmp:
        for sub, videos in (('gt', gts), ('pred', preds)):
            os.makedirs(osp.join(tmp, sub))
            for v, video in enumerate(videos):
                with open(osp.join(tmp, sub, f'{v:06d}.json'), 'w') as f:
                    json.dump(video, f)
        if pt21:
            _time_posetrack21(tmp, not args.no_kit)
            return
        t0 = time.perf_counter()
        gt_frames, pred_frames, _ = load_posetrack18_folders(
            osp.join(tmp, 'gt'), osp.join(tmp, 'pred'), tracking=True)
        t1 = time.perf_counter()
        result = evaluate_posetrack(gt_frames, pred_frames)
        t2 = time.perf_counter()
        track = evaluate_tracking(gt_frames, pred_frames)
        t3 = time.perf_counter()
    num_gt = sum(f.num_people for f in gt_frames)
    num_pred = sum(f.num_people for f in pred_frames)
    print(f'{len(gts)} videos, {len(gt_frames)} frames, {num_gt} ground-truth '
          f'and {num_pred} predicted person-frames')
    print('AP:  ' + '  '.join(f'{k} {v:.2f}'
                              for k, v in result['summary'].items()))
    print('MOT: ' + '  '.join(f'{k} {v:.2f}'
                              for k, v in track['summary'].items()))
    print(f'load {t1 - t0:.2f} s, AP {t2 - t1:.2f} s, tracking '
          f'{t3 - t2:.2f} s, total {t3 - t0:.2f} s')
    bare, start = _start_time(['-c', 'pass']), _start_time(
        [osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                  'eval_posetrack.py'), '--help'])
    print(f'command start (eval_posetrack.py --help): {start:.2f} s; '
          f'python -c pass: {bare:.2f} s (best of 3)')


def _time_posetrack21(folder: str, kit: bool) -> None:
    """Time (and print) the PoseTrack21 evaluations of ``folder``'s
    ``gt``/``pred`` files: ours, then the kit transcription's."""
    from fami_pose_mm.evaluation.functional import (
        evaluate_posetrack21_hota, evaluate_posetrack21_map, prepare_videos)
    gt_dir, pred_dir = osp.join(folder, 'gt'), osp.join(folder, 'pred')
    t0 = time.perf_counter()
    gt_frames, pred_frames, _ = load_posetrack18_folders(
        gt_dir, pred_dir, tracking=True, dataset='posetrack21')
    t1 = time.perf_counter()
    frames = prepare_videos(gt_frames, pred_frames)
    t2 = time.perf_counter()
    mean_ap = evaluate_posetrack21_map(frames)
    t3 = time.perf_counter()
    hota = evaluate_posetrack21_hota(frames)
    t4 = time.perf_counter()
    labelled = sum(len(f) for f in frames.values())
    people = sum(len(f.gt) for fs in frames.values() for f in fs)
    print(f'{len(frames)} videos, {labelled} labelled frames, {people} '
          'ground-truth person-frames scored (after ignore regions)')
    print('mAP: ' + '  '.join(f'{k} {v:.2f}'
                              for k, v in mean_ap['summary'].items()))
    print('HOTA: ' + '  '.join(f'{k} {hota["summary"][k]:.2f}'
                               for k in ('HOTA', 'DetA', 'AssA', 'LocA')))
    ours = t4 - t0
    print(f'ours: load {t1 - t0:.2f} s, prepare {t2 - t1:.2f} s, mAP '
          f'{t3 - t2:.2f} s, HOTA {t4 - t3:.2f} s, total {ours:.2f} s')
    if not kit:
        return
    sys.path.insert(0, osp.join(
        osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))),
        'tests', 'test_evaluation', 'test_functional'))
    from posetrack21_kit_reference import kit_evaluate
    t0 = time.perf_counter()
    videos = {}
    for sub in ('gt', 'pred'):
        videos[sub] = {}
        for name in sorted(os.listdir(osp.join(folder, sub))):
            with open(osp.join(folder, sub, name)) as f:
                videos[sub][name] = json.load(f)
    result = kit_evaluate(videos['gt'], videos['pred'])
    kit_time = time.perf_counter() - t0
    kit_hota = 100 * result['hota']['HOTA'][:, -1].mean()
    print(f"kit transcription: total {kit_time:.2f} s (HOTA {kit_hota:.2f}, "
          f"mAP Total {result['map']['map']['Total']:.2f}); ours / kit "
          f'= {ours / kit_time:.3f}')


def _start_time(args: List[str]) -> float:
    """Best of 3 wall times of ``python <args>``."""
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run([sys.executable] + args, check=True,
                       stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return min(times)


if __name__ == '__main__':
    main()
