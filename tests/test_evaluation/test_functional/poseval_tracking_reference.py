# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""A line-by-line transcription of ``poseval``'s tracking evaluation, for
the equality tests only.

Follows ``poseval`` (``eval_helpers.load_data_dir``, ``convert``'s
PoseTrack18 -> annolist conversion, ``cleanupData``,
``removeIgnoredPoints``, the MOT part of ``assignGTmulti``,
``evaluateTracking.computeMetrics``) step by step, with plain Python
loops over the same dict structures, and calls ``motmetrics`` itself for
the accumulation, as ``poseval`` does. Input: the PoseTrack18 JSON
content of each video (ground truth and prediction, same order).
"""
import copy

import motmetrics as mm
import numpy as np
from shapely import geometry

NUM_JOINTS = 15
MAX_TRACK_ID = 10000
#: PoseTrack18 keypoint names -> poseval joint ids (convert.py's table).
POSEVAL_NAMES = [
    'right_ankle', 'right_knee', 'right_hip', 'left_hip', 'left_knee',
    'left_ankle', 'right_wrist', 'right_elbow', 'right_shoulder',
    'left_shoulder', 'left_elbow', 'left_wrist', 'head_bottom', 'nose',
    'head_top'
]


def _to_annolist(video: dict) -> list:
    """``Video.from_new(...)[0].to_old()['annolist']`` for a one-video
    file: one frame per image; one annorect per annotation, with
    ``track_id``, the head box as x1..y2 and the points that are not
    (0, 0, invisible)."""
    table = [
        POSEVAL_NAMES.index(n) if n in POSEVAL_NAMES else None
        for n in video['categories'][0]['keypoints']
    ]
    frames = []
    for image in video['images']:
        rects = []
        for ann in video['annotations']:
            if ann['image_id'] != image['id']:
                continue
            kpts = np.array(ann['keypoints']).reshape(len(table), 3)
            points = []
            for slot, (x, y, vis) in enumerate(kpts):
                if table[slot] is None or (x == 0 and y == 0 and vis == 0):
                    continue
                point = {'id': [table[slot]], 'x': [x], 'y': [y]}
                if ann.get('scores'):
                    point['score'] = [ann['scores'][slot]]
                points.append(point)
            rect = {'track_id': [ann['track_id']],
                    'annopoints': [{'point': points}]}
            if 'bbox_head' in ann:
                x1, y1, w, h = ann['bbox_head']
                rect.update(x1=[x1], y1=[y1], x2=[x1 + w], y2=[y1 + h])
            rects.append(rect)
        frame = {'annorect': rects}
        regions = []
        for xs, ys in zip(image.get('ignore_regions_x', []),
                          image.get('ignore_regions_y', [])):
            regions.append({'point': [{'x': [x], 'y': [y]}
                                      for x, y in zip(xs, ys)]})
        if regions:
            frame['ignore_regions'] = regions
        frames.append(frame)
    return frames


def _rect_has_points(rect: dict) -> bool:
    return ('annopoints' in rect and len(rect['annopoints']) > 0
            and len(rect['annopoints'][0]) > 0
            and 'point' in rect['annopoints'][0])


def _load(gt_videos: list, pred_videos: list) -> tuple:
    """``load_data_dir``: seq ids, track ids offset per video, prediction
    ids unique per frame; then ``cleanupData`` and ``removeIgnoredPoints``."""
    gt_all, pr_all = [], []
    for i, (gt_video, pr_video) in enumerate(zip(gt_videos, pred_videos)):
        gt = _to_annolist(copy.deepcopy(gt_video))
        for frame in gt:
            frame['seq_id'] = i
            for rect in frame['annorect']:
                assert rect['track_id'][0] < MAX_TRACK_ID
                rect['track_id'][0] += i * MAX_TRACK_ID
        pr = _to_annolist(copy.deepcopy(pr_video))
        assert len(pr) == len(gt)
        for frame in pr:
            ids = []
            for rect in frame['annorect']:
                ids.append(rect['track_id'][0])
                assert rect['track_id'][0] < MAX_TRACK_ID
                rect['track_id'][0] += i * MAX_TRACK_ID
            assert len(ids) == len(np.unique(ids))
        gt_all += gt
        pr_all += pr
    # cleanupData
    keep = [k for k in range(len(gt_all)) if len(gt_all[k]['annorect']) > 0]
    gt_all = [gt_all[k] for k in keep]
    pr_all = [pr_all[k] for k in keep]
    for k in range(len(gt_all)):
        for frames in (gt_all, pr_all):
            frames[k]['annorect'] = [
                r for r in frames[k]['annorect'] if _rect_has_points(r)
            ]
    # removeIgnoredPoints
    for k in range(len(gt_all)):
        regions = gt_all[k].get('ignore_regions', [])
        if not regions:
            continue
        polygons = [
            geometry.Polygon([[p['x'][0], p['y'][0]] for p in r['point']])
            for r in regions
        ]
        for frames in (pr_all, gt_all):
            rects = []
            for rect in frames[k]['annorect']:
                points = [
                    p for p in rect['annopoints'][0]['point']
                    if not any(
                        poly.contains(geometry.Point(p['x'][0], p['y'][0]))
                        for poly in polygons)
                ]
                if points:
                    rect['annopoints'][0]['point'] = points
                    rects.append(rect)
            frames[k]['annorect'] = rects
    return gt_all, pr_all


def _point(points: list, joint: int) -> dict:
    for p in points:
        if p['id'] is not None and p['id'][0] == joint:
            return p
    return {}


def _mot_frames(gt_all: list, pr_all: list, thr: float = 0.5) -> list:
    """The ``motAll`` entries of ``assignGTmulti``."""
    mot_all = []
    for gt, pr in zip(gt_all, pr_all):
        pr['annorect'] = [
            r for r in pr['annorect']
            if 'annopoints' in r and 'point' in r['annopoints'][0]
        ]
        n_pr, n_gt = len(pr['annorect']), len(gt['annorect'])
        dist = np.full((n_pr, n_gt, NUM_JOINTS), np.inf)
        has_pr = np.zeros((n_pr, NUM_JOINTS), dtype=bool)
        has_gt = np.zeros((n_gt, NUM_JOINTS), dtype=bool)
        ids_gt = [r['track_id'][0] for r in gt['annorect']]
        ids_pr = [r['track_id'][0] for r in pr['annorect']]
        for g, rect in enumerate(gt['annorect']):
            for i in range(NUM_JOINTS):
                has_gt[g, i] = bool(_point(rect['annopoints'][0]['point'], i))
        for p, rect in enumerate(pr['annorect']):
            for i in range(NUM_JOINTS):
                has_pr[p, i] = bool(_point(rect['annopoints'][0]['point'], i))
        mot = {}
        if n_pr and n_gt:
            for g, rect_gt in enumerate(gt['annorect']):
                head = 0.6 * np.linalg.norm(
                    np.subtract([rect_gt['x2'][0], rect_gt['y2'][0]],
                                [rect_gt['x1'][0], rect_gt['y1'][0]]))
                for p, rect_pr in enumerate(pr['annorect']):
                    for i in range(NUM_JOINTS):
                        if has_pr[p, i] and has_gt[g, i]:
                            a = _point(rect_gt['annopoints'][0]['point'], i)
                            b = _point(rect_pr['annopoints'][0]['point'], i)
                            with np.errstate(divide='ignore',
                                             invalid='ignore'):
                                dist[p, g, i] = np.linalg.norm(
                                    np.subtract([a['x'][0], a['y'][0]],
                                                [b['x'][0], b['y'][0]])) / head
            match = dist <= thr
            for i in range(NUM_JOINTS):
                rows = np.argwhere(has_gt[:, i]).flatten().tolist()
                cols = np.argwhere(has_pr[:, i]).flatten().tolist()
                d = np.full((len(rows), len(cols)), np.nan)
                for c in range(len(cols)):
                    for r in range(len(rows)):
                        if match[cols[c], rows[r], i]:
                            d[r, c] = dist[cols[c], rows[r], i]
                mot[i] = {'trackidxGT': [ids_gt[r] for r in rows],
                          'trackidxPr': [ids_pr[c] for c in cols],
                          'dist': d}
        else:
            for i in range(NUM_JOINTS):
                mot[i] = {'trackidxGT': [0], 'trackidxPr': [0],
                          'dist': np.full((1, 1), np.nan)}
        mot_all.append(mot)
    return mot_all


def poseval_tracking(gt_videos: list, pred_videos: list) -> dict:
    """``evaluateTracking``: per-joint and total MOTA, MOTP, precision and
    recall (``(16,)`` each, index 15 = total) and the summed counts."""
    gt_all, pr_all = _load(gt_videos, pred_videos)
    mot_all = _mot_frames(gt_all, pr_all)
    seq_ids = np.array([f['seq_id'] for f in gt_all])
    names = ['num_misses', 'num_switches', 'num_false_positives',
             'num_objects', 'num_detections']
    mid = {n: np.zeros(NUM_JOINTS) for n in names + ['sumD']}
    mh = mm.metrics.create()
    for seq in np.unique(seq_ids):
        accs = [mm.MOTAccumulator(auto_id=True) for _ in range(NUM_JOINTS)]
        frames = np.argwhere(seq_ids == seq)[:-1]
        for k in frames[:, 0]:
            for i in range(NUM_JOINTS):
                accs[i].update(mot_all[k][i]['trackidxGT'],
                               mot_all[k][i]['trackidxPr'],
                               mot_all[k][i]['dist'])
        for i in range(NUM_JOINTS):
            got = mh.compute(accs[i], metrics=names, return_dataframe=False,
                             name='acc')
            for n in names:
                mid[n][i] += got[n]
            s = accs[i].events['D'].sum()
            mid['sumD'][i] += 0 if np.isnan(s) else s
    fin = {n: np.zeros(NUM_JOINTS + 1) for n in ('mota', 'motp', 'pre', 'rec')}
    for i in range(NUM_JOINTS):
        num_obj = mid['num_objects'][i] if mid['num_objects'][i] > 0 \
            else np.nan
        num_fp = mid['num_false_positives'][i]
        fin['mota'][i] = 100 * (1. - (mid['num_misses'][i] +
                                      mid['num_switches'][i] + num_fp) /
                                num_obj)
        num_det = mid['num_detections'][i]
        s = mid['sumD'][i]
        fin['motp'][i] = 0.0 if (num_det == 0 or np.isnan(s)) else \
            100 * (1. - s / num_det)
        total = num_fp + num_det if num_fp + num_det > 0 else np.nan
        fin['pre'][i] = 100 * num_det / total
        fin['rec'][i] = 100 * num_det / num_obj
    for n in fin:
        idxs = np.argwhere(~np.isnan(fin[n][:NUM_JOINTS]))
        fin[n][NUM_JOINTS] = fin[n][idxs].mean()
    fin.update(mid)
    return fin
