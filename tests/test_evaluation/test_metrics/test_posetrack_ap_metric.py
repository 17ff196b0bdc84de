# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""PoseTrackAPMetric through mmengine's process()/evaluate() path."""
import glob
import json
import os.path as osp

import mmpose
import numpy as np
import pytest
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.registry import METRICS

import fami_pose_mm.plugin  # noqa: F401  (registers)
from fami_pose_mm.evaluation.functional import (evaluate_posetrack,
                                                load_posetrack18_folders)

TESTS = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ANN_DIR = osp.join(TESTS, 'data', 'posetrack18', 'annotations')
ANN_FILE = osp.join(ANN_DIR, 'test_posetrack18_val.json')
CONFIGS = osp.join(osp.dirname(TESTS), 'configs')
META = osp.join(osp.dirname(mmpose.__file__), '.mim', 'configs', '_base_',
                'datasets', 'posetrack18.py')
KEYS = ['posetrack18/' + k for k in ('Head AP', 'Shou AP', 'Elb AP',
                                     'Wri AP', 'Hip AP', 'Knee AP',
                                     'Ankl AP', 'AP')]


def _samples(shift: float = 0.0, min_head: float = 0.0) -> list:
    """Top-down style samples: each GT person predicted at its GT place
    (+ ``shift`` px in x); keypoint score = GT visibility x 0.9, or x 0.5
    for people whose head size 0.6 * diag(bbox_head) is below
    ``min_head``."""
    with open(ANN_FILE) as f:
        anns = json.load(f)['annotations']
    samples = []
    for ann in anns:
        kpts = np.array(ann['keypoints'], dtype=np.float32).reshape(1, 17, 3)
        xy = kpts[..., :2] + np.where(kpts[..., 2:] > 0, [shift, 0], 0)
        head = 0.6 * np.hypot(*ann['bbox_head'][2:])
        score = kpts[..., 2] * (0.5 if head < min_head else 0.9)
        samples.append(
            dict(id=ann['id'], img_id=ann['image_id'], category_id=1,
                 pred_instances=dict(keypoints=xy, keypoint_scores=score),
                 gt_instances=dict(bbox_scales=np.array([ann['bbox'][2:]]),
                                   bbox_scores=np.ones(1))))
    return samples


def _metric(**kwargs):
    metric = METRICS.build(
        dict(type='PoseTrackAPMetric', ann_file=ANN_FILE, **kwargs))
    metric.dataset_meta = parse_pose_metainfo(
        dict(from_file=META))
    return metric


def test_ground_truth_as_prediction_gives_100():
    metric = _metric()
    metric.process([], _samples())
    results = metric.evaluate(size=14)
    assert list(results) == KEYS
    assert all(v == 100.0 for v in results.values())


def test_shifted_predictions_and_gt_folder(tmp_path):
    # Every annotated joint moves 18 px to the left (no joint crosses an
    # ignore-region border that way; to the right three would): it matches iff 18 <= 0.5 x head
    # size, i.e. head size >= 36. Two people (head sizes 35.7 and 31.9 px)
    # lose all joints, the other 12 (>= 37.3 px) keep all. Their scores
    # (0.5) are below all others (0.9), so every TP ranks before every FP
    # and AP_j = 100 x recall_j = 100 x (n_j - m_j) / n_j, n_j = counted
    # GT joints, m_j = those of the two small-head people.
    metric = _metric(gt_folder=osp.join(ANN_DIR, 'val'),
                     outfile_prefix=str(tmp_path / 'results'))
    metric.process([], _samples(shift=-18.0, min_head=36.0))
    results = metric.evaluate(size=14)
    gts, _, _ = load_posetrack18_folders(osp.join(ANN_DIR, 'val'),
                                         osp.join(ANN_DIR, 'val'))
    n = evaluate_posetrack(gts, gts)['num_gt']
    small = [f for f in gts if f.num_people == 11][0]
    heads = 0.6 * np.hypot(*(small.head_boxes[:, 2:] -
                             small.head_boxes[:, :2]).T)
    assert sorted(heads[heads < 36].round(1)) == [31.9, 35.7]
    alone = [f.__class__(f.name, f.keypoints[heads < 36],
                         f.valid[heads < 36], None, f.head_boxes[heads < 36],
                         f.ignore_regions) for f in [small]]
    m = evaluate_posetrack(alone, alone)['num_gt']
    ap = 100 * (n - m) / n
    assert results['posetrack18/AP'] == pytest.approx(ap.mean())
    assert results['posetrack18/Shou AP'] == pytest.approx(ap[[8, 9]].mean())
    assert results['posetrack18/AP'] < 90
    assert len(glob.glob(str(tmp_path / '*_mpii_test.json'))) == 3


def test_format_only_writes_server_files(tmp_path):
    metric = _metric(format_only=True,
                     outfile_prefix=str(tmp_path / 'results'))
    metric.process([], _samples())
    assert metric.evaluate(size=14) == {}
    with open(tmp_path / '012834_mpii_test.json') as f:
        video = json.load(f)
    assert [i['id'] for i in video['images']] == [10128340000]
    assert len(video['annotations']) == 11
    ann = video['annotations'][0]
    assert len(ann['keypoints']) == 51 and len(ann['scores']) == 17
    assert sorted(ann) == ['image_id', 'keypoints', 'score', 'scores',
                           'track_id']
    assert video['categories'][0]['keypoints'][1:3] == ['head_bottom',
                                                        'head_top']


def test_arguments():
    with pytest.raises(ValueError, match='ann_file or gt_folder'):
        METRICS.build(dict(type='PoseTrackAPMetric'))
    with pytest.raises(ValueError, match='score_mode'):
        _metric(score_mode='mean')
    with pytest.raises(FileNotFoundError, match='ground-truth folder'):
        _metric(gt_folder='no/such/dir')._gt_dir()


@pytest.mark.parametrize(
    'cfg', sorted(
        c for c in glob.glob(osp.join(CONFIGS, '**', '*.py'), recursive=True)
        if '_base_' not in c) or ['none'],
    ids=lambda c: osp.relpath(c, CONFIGS))
def test_save_best_is_a_returned_key(cfg):
    # The checkpoint hook's save_best must be a key the evaluator returns:
    # '<prefix>/<name>', prefix = the evaluator's `prefix` or
    # 'posetrack18' (mmpose's PoseTrack18Metric default).
    if cfg == 'none':
        pytest.skip('no configs')
    from mmengine.config import Config
    config = Config.fromfile(cfg)
    best = config.get('default_hooks', {}).get('checkpoint', {}).get(
        'save_best')
    evaluator = config.get('val_evaluator', {})
    if not best or not isinstance(evaluator, dict) or \
            evaluator.get('type') != 'PoseTrackAPMetric':
        pytest.skip('no PoseTrackAPMetric save_best')
    prefix = evaluator.get('prefix') or evaluator.get('dataset',
                                                      'posetrack18')
    keys = [prefix + '/' + k.split('/')[1] for k in KEYS]
    assert best in keys, (f'{osp.basename(cfg)}: save_best={best!r} but '
                          f'the metric returns {keys}')


def test_posetrack17_annolist_ground_truth(tmp_path):
    # The same people as PoseTrack17 files: head rect x1..y2 from
    # bbox_head, listed points = annotated joints (ids in poseval order).
    from fami_pose_mm.evaluation.functional import SLOT_OF_JOINT
    with open(ANN_FILE) as f:
        coco = json.load(f)
    (tmp_path / 'val').mkdir()
    for image in coco['images']:
        rects = []
        for ann in coco['annotations']:
            if ann['image_id'] != image['id']:
                continue
            x, y, w, h = ann['bbox_head']
            kpts = np.array(ann['keypoints']).reshape(17, 3)[SLOT_OF_JOINT]
            points = [dict(id=[j], x=[float(k[0])], y=[float(k[1])])
                      for j, k in enumerate(kpts) if k[2] > 0]
            rects.append(dict(x1=[x], y1=[y], x2=[x + w], y2=[y + h],
                              annopoints=[dict(point=points)]))
        video = dict(annolist=[dict(image=[dict(name=image['file_name'])],
                                    annorect=rects)])
        name = image['file_name'].split('/')[-2] + '.json'
        (tmp_path / 'val' / name).write_text(json.dumps(video))
    metric = _metric(gt_folder=str(tmp_path / 'val'),
                     outfile_prefix=str(tmp_path / 'out' / 'results'))
    metric.process([], _samples())
    results = metric.evaluate(size=14)
    # no ignore regions here, so every annotated joint counts: still 100
    assert all(v == 100.0 for v in results.values())
    with open(tmp_path / 'out' / '009473_mpii_test.json') as f:
        written = json.load(f)
    assert len(written['annolist'][0]['annorect']) == 2


def _tracked_videos(tmp_path, num_videos=3):
    """Generated multi-frame ground truth (tests/test_evaluation/
    test_functional) written as a gt folder; its people as samples with
    their track ids."""
    import sys
    sys.path.insert(0, osp.join(TESTS, 'test_evaluation', 'test_functional'))
    from test_posetrack_mota import _video
    rng = np.random.default_rng(3)
    (tmp_path / 'gt').mkdir()
    samples = []
    for v in range(num_videos):
        gt, _ = _video(rng, v)
        (tmp_path / 'gt' / f'{v:06d}.json').write_text(json.dumps(gt))
        for ann in gt['annotations']:
            kpts = np.array(ann['keypoints']).reshape(1, 17, 3)
            samples.append(dict(
                id=ann['id'], img_id=ann['image_id'], category_id=1,
                track_id=ann['track_id'],
                pred_instances=dict(keypoints=kpts[..., :2],
                                    keypoint_scores=kpts[..., 2] * 0.9),
                gt_instances=dict(bbox_scales=np.array([[100.0, 200.0]]),
                                  bbox_scores=np.ones(1))))
    return str(tmp_path / 'gt'), samples


def test_tracking_option_reports_mota(tmp_path):
    gt_dir, samples = _tracked_videos(tmp_path)
    metric = _metric(gt_folder=gt_dir, nms_mode='none', tracking=True,
                     outfile_prefix=str(tmp_path / 'out' / 'results'))
    metric.process([], samples)
    results = metric.evaluate(size=len(samples))
    mota_keys = ['posetrack18/' + k for k in (
        'Head MOTA', 'Shou MOTA', 'Elb MOTA', 'Wri MOTA', 'Hip MOTA',
        'Knee MOTA', 'Ankl MOTA', 'MOTA', 'MOTP', 'MOT Prec', 'MOT Rec')]
    assert list(results) == KEYS + mota_keys
    # ground truth with its own ids tracks perfectly
    assert results['posetrack18/MOTA'] == 100.0
    assert results['posetrack18/MOT Rec'] == 100.0
    written = json.loads((tmp_path / 'out' / '000000.json').read_text())
    by_image = {}
    for ann in written['annotations']:
        by_image.setdefault(ann['image_id'], []).append(ann['track_id'])
    gt = json.loads((tmp_path / 'gt' / '000000.json').read_text())
    for image_id, ids in by_image.items():
        assert sorted(ids) == sorted(a['track_id'] for a in gt['annotations']
                                     if a['image_id'] == image_id)
    # ids swapped between two people of every frame: switches lower MOTA
    swapped = _metric(gt_folder=gt_dir, nms_mode='none', tracking=True)
    for sample in samples:
        sample = dict(sample)
        if sample['img_id'] % 2 and sample['track_id'] in (0, 1):
            sample['track_id'] = 1 - sample['track_id']
        swapped.process([], [sample])
    assert swapped.evaluate(size=len(samples))['posetrack18/MOTA'] < 95


def test_tracking_option_needs_track_ids(tmp_path):
    gt_dir, samples = _tracked_videos(tmp_path, num_videos=1)
    del samples[4]['track_id']
    metric = _metric(gt_folder=gt_dir, nms_mode='none', tracking=True)
    metric.process([], samples)
    with pytest.raises(ValueError, match=f"sample id {samples[4]['id']} "
                       r'\(image .*\) has no track_id'):
        metric.evaluate(size=len(samples))


PT21 = osp.join(TESTS, 'data', 'posetrack21')
PT21_ANN = osp.join(PT21, 'annotations', 'test_posetrack21_val.json')
PT21_GT = osp.join(PT21, 'posetrack_data', 'val')


def _posetrack21_samples() -> list:
    """Every person with keypoints of the PoseTrack21 fixtures predicted at
    its place, with its track id."""
    with open(PT21_ANN) as f:
        anns = [a for a in json.load(f)['annotations'] if any(a['keypoints'])]
    return [dict(id=a['id'], img_id=a['image_id'], category_id=1,
                 track_id=a['track_id'],
                 pred_instances=dict(
                     keypoints=np.array(a['keypoints'], np.float32).reshape(
                         1, 17, 3)[..., :2],
                     keypoint_scores=np.array(a['keypoints'],
                                              np.float32).reshape(1, 17,
                                                                  3)[..., 2]),
                 gt_instances=dict(bbox_scales=np.array([a['bbox'][2:]]),
                                   bbox_scores=np.ones(1))) for a in anns]


def test_posetrack21_map_and_hota(tmp_path):
    samples = _posetrack21_samples()
    metric = METRICS.build(dict(
        type='PoseTrackAPMetric', dataset='posetrack21', ann_file=PT21_ANN,
        gt_folder=PT21_GT, nms_mode='none', tracking=True,
        outfile_prefix=str(tmp_path / 'out' / 'results')))
    metric.dataset_meta = parse_pose_metainfo(dict(from_file=META))
    metric.process([], samples)
    results = metric.evaluate(size=len(samples))
    hota_keys = ['posetrack21/' + k for k in (
        'HOTA', 'DetA', 'AssA', 'LocA', 'DetRe', 'DetPr', 'AssRe', 'AssPr')]
    assert list(results) == [
        'posetrack21/' + k.split('/')[1] for k in KEYS] + hota_keys
    assert results['posetrack21/AP'] == pytest.approx(100)
    assert results['posetrack21/DetA'] == pytest.approx(100)
    # The kit's Total: a joint no one in a video has lowers its AssA.
    assert 90 < results['posetrack21/HOTA'] < 100
    # Equal to the command on the files the metric wrote.
    import importlib.util
    spec = importlib.util.spec_from_file_location('eval_posetrack', osp.join(
        osp.dirname(TESTS), 'tools', 'eval_posetrack.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    out = tool.main([PT21_GT, str(tmp_path / 'out'), '--dataset',
                     'posetrack21', '--tracking'])
    assert out['summary']['Total'] == pytest.approx(results['posetrack21/AP'])
    assert out['tracking']['summary']['HOTA'] == pytest.approx(
        results['posetrack21/HOTA'])


def test_posetrack21_ground_truth_needs_its_dataset(tmp_path):
    metric = METRICS.build(dict(
        type='PoseTrackAPMetric', ann_file=PT21_ANN, gt_folder=PT21_GT,
        nms_mode='none'))
    metric.dataset_meta = parse_pose_metainfo(dict(from_file=META))
    metric.process([], _posetrack21_samples())
    with pytest.raises(ValueError, match='a PoseTrack21 file'):
        metric.evaluate(size=1)
    with pytest.raises(ValueError, match='dataset must be one of'):
        METRICS.build(dict(type='PoseTrackAPMetric', ann_file=PT21_ANN,
                           dataset='posetrack20'))
