# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Loading official PoseTrack18 files; the eval_posetrack.py command."""
import copy
import importlib.util
import json
import os.path as osp
import re
import subprocess
import sys

import numpy as np
import pytest

from fami_pose_mm.evaluation.functional import (MISSING_SCORE,
                                                evaluate_posetrack,
                                                load_posetrack18_folders,
                                                load_posetrack18_video)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
GT_DIR = osp.join(ROOT, 'data', 'posetrack18', 'annotations', 'val')
VIDEO = osp.join(GT_DIR, '012834_mpii_test.json')


def test_load_official_video():
    frames = load_posetrack18_video(VIDEO, is_gt=True)
    assert len(frames) == 1 and frames[0].num_people == 11
    first = frames[0]
    # the first person: bbox_head [378, 503, 44, 53], 11 of 15 annotated
    np.testing.assert_array_equal(first.head_boxes[0], [378, 503, 422, 556])
    assert first.valid[0].sum() == 11
    # head_top (slot 2) is joint 14, nose (slot 0) joint 13
    np.testing.assert_allclose(first.keypoints[0, 13], [401, 530])
    np.testing.assert_allclose(first.keypoints[0, 14],
                               [392.8559265, 510.1089478])
    assert len(first.ignore_regions) >= 1
    assert first.ignore_regions[0].shape[1] == 2


def test_ground_truth_as_prediction_is_100():
    gts, preds, videos = load_posetrack18_folders(GT_DIR, GT_DIR)
    assert len(videos) == 3 and len(gts) == 3
    assert np.all(preds[0].scores == MISSING_SCORE)  # GT has no scores
    res = evaluate_posetrack(gts, preds)
    assert all(v == 100.0 for v in res['summary'].values())
    # 14 people; joints inside the ignore regions are not counted
    assert res['num_gt'].sum() == 181
    assert res['num_gt'].tolist() == res['num_pred'].tolist()


def test_prediction_file_rules(tmp_path):
    with open(VIDEO) as f:
        video = json.load(f)
    pred = copy.deepcopy(video)
    ann = pred['annotations'][0]
    ann['scores'] = [0.5] * 17
    ann['keypoints'][0:3] = [0, 0, 0]  # nose: (0, 0, 0) means absent
    frame = load_posetrack18_video(pred, is_gt=False, name='p')[0]
    assert not frame.valid[0, 13] and frame.scores[0, 13] == 0.5
    bad = copy.deepcopy(video)
    bad['annotations'][1]['keypoints'] = [1, 2]
    with pytest.raises(ValueError, match='annotation id .*keypoints'):
        load_posetrack18_video(bad, is_gt=True, name='bad.json')
    (tmp_path / 'pred').mkdir()
    with pytest.raises(FileNotFoundError, match='003418_mpii_test.json'):
        load_posetrack18_folders(GT_DIR, str(tmp_path / 'pred'))
    short = copy.deepcopy(video)
    short['images'], short['annotations'] = [], []
    for name in ('003418_mpii_test', '009473_mpii_test', '012834_mpii_test'):
        with open(osp.join(GT_DIR, name + '.json')) as f:
            content = json.load(f)
        if name == '012834_mpii_test':
            content = short
        (tmp_path / 'pred' / f'{name}.json').write_text(json.dumps(content))
    with pytest.raises(ValueError, match='0 prediction frames but 1'):
        load_posetrack18_folders(GT_DIR, str(tmp_path / 'pred'))


def _tool():
    """tools/eval_posetrack.py as a module."""
    spec = importlib.util.spec_from_file_location(
        'eval_posetrack', osp.join(osp.dirname(ROOT), 'tools',
                                   'eval_posetrack.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def test_eval_posetrack_command(tmp_path, capsys):
    tool = _tool()
    out = tmp_path / 'ap.json'
    res = tool.main([GT_DIR, GT_DIR, '--out', str(out)])
    printed = capsys.readouterr().out
    assert 'Shoulder' in printed and '100.0' in printed
    assert '14 predicted people (0 on frames without annotated people' in \
        printed
    assert json.loads(out.read_text())['summary']['Total'] == 100.0
    assert res['ap'] == [100.0] * 15


def _copy_gt(folder, change=None) -> str:
    """Copy the ground-truth files into ``folder``; ``change(name,
    content)`` may edit a file's content first."""
    folder.mkdir()
    for name in VIDEOS:
        with open(osp.join(GT_DIR, name)) as f:
            content = json.load(f)
        if change is not None:
            change(name, content)
        (folder / name).write_text(json.dumps(content))
    return str(folder)


VIDEOS = ('003418_mpii_test.json', '009473_mpii_test.json',
          '012834_mpii_test.json')


def test_missing_or_empty_folders_are_named(tmp_path):
    nowhere = str(tmp_path / 'nowhere')
    with pytest.raises(FileNotFoundError,
                       match=f'ground-truth folder {re.escape(nowhere)} '
                       'does not exist'):
        load_posetrack18_folders(nowhere, GT_DIR)
    with pytest.raises(FileNotFoundError,
                       match=f'prediction folder {re.escape(nowhere)} '
                       'does not exist'):
        load_posetrack18_folders(GT_DIR, nowhere)
    (tmp_path / 'empty').mkdir()
    (tmp_path / 'empty' / 'notes.txt').write_text('not a video')
    with pytest.raises(FileNotFoundError,
                       match='no ground-truth \\*.json files in .*empty'):
        load_posetrack18_folders(str(tmp_path / 'empty'), GT_DIR)


def test_extra_prediction_videos_are_reported(tmp_path):
    pred_dir = _copy_gt(tmp_path / 'pred')
    (tmp_path / 'pred' / '000001_extra.json').write_text(
        (tmp_path / 'pred' / VIDEOS[0]).read_text())
    with pytest.warns(UserWarning, match=re.escape(
            f'{pred_dir}: 1 prediction files have no ground-truth file of '
            f'the same name in {GT_DIR} and are not scored: '
            '000001_extra.json')):
        gts, preds, videos = load_posetrack18_folders(GT_DIR, pred_dir)
    assert list(videos) == list(VIDEOS)
    assert evaluate_posetrack(gts, preds)['summary']['Total'] == 100.0


def test_ground_truth_without_annotated_people(tmp_path):

    def unannotated(name, content):
        if name == VIDEOS[2] or all_videos:
            content['annotations'] = []

    all_videos = False
    gt_dir = _copy_gt(tmp_path / 'gt', unannotated)
    gt_file = osp.join(gt_dir, VIDEOS[2])
    with pytest.warns(UserWarning, match=re.escape(
            f'{gt_file}: no frame has an annotated person; the 11 predicted '
            f'people of {osp.join(GT_DIR, VIDEOS[2])} are not scored')):
        load_posetrack18_folders(gt_dir, GT_DIR)
    all_videos = True
    gt_dir = _copy_gt(tmp_path / 'test_split', unannotated)
    with pytest.raises(ValueError, match=f'no ground-truth file in '
                       f'{re.escape(gt_dir)} has an annotated person'):
        load_posetrack18_folders(gt_dir, GT_DIR)


def _other_image_ids(name, content):
    """The issue's case: people refer to ids that are not in images."""
    if name == VIDEOS[2]:
        for ann in content['annotations']:
            ann['image_id'] += 1


def _nan_joint(name, content):
    if name == VIDEOS[1]:
        content['annotations'][1]['keypoints'][4] = float('nan')


@pytest.mark.parametrize('change, video, message', [
    (_other_image_ids, VIDEOS[2],
     r'11 of 11 annotations have an image_id that is not an id of images, '
     r'e.g. annotation id 1012834000000 \(annotations\[0\]\): image_id '
     r'10128340001'),
    (_nan_joint, VIDEOS[1], r'annotation id \d+ \(annotations\[1\]\): '
     r'keypoints\[4\] is nan, not a finite number'),
], ids=['image ids not in images', 'NaN joint'])
def test_command_stops_on_a_bad_prediction(tmp_path, change, video, message):
    pred_dir = _copy_gt(tmp_path / 'pred', change)
    out = tmp_path / 'ap.json'
    with pytest.raises(ValueError,
                       match=re.escape(osp.join(pred_dir, video)) + '[,:] ' +
                       message):
        _tool().main([GT_DIR, pred_dir, '--out', str(out)])
    assert not out.exists()


def _run_tool(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, osp.join(osp.dirname(ROOT), 'tools',
                                  'eval_posetrack.py'), *args],
        capture_output=True, text=True, timeout=120)


def test_out_is_checked_before_the_evaluation(tmp_path):
    pred_dir = _copy_gt(tmp_path / 'pred')
    inside = osp.join(pred_dir, 'metrics.json')
    proc = _run_tool(GT_DIR, pred_dir, '--out', inside)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f'error: --out {inside} is in pred_dir')
    assert 'Traceback' not in proc.stderr and 'Per joint' not in proc.stdout
    assert not osp.exists(inside)
    proc = _run_tool(GT_DIR, pred_dir, '--out', str(tmp_path))
    assert proc.returncode == 2 and 'is a folder, not a file' in proc.stderr
    assert 'Per joint' not in proc.stdout  # nothing evaluated
    # --debug: the traceback of the same error
    proc = _run_tool(GT_DIR, pred_dir, '--out', inside, '--debug')
    assert proc.returncode == 1 and 'Traceback' in proc.stderr


def test_undefined_numbers_are_written_as_null(tmp_path):
    out = tmp_path / 'metrics.json'
    proc = _run_tool(GT_DIR, GT_DIR, '--tracking', '--out', str(out))
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    assert 'NaN' not in text
    mota = json.loads(text)['tracking']['mota']
    # one frame per video: MOTA counts no transitions, some joints are
    # never annotated -> undefined
    assert None in mota and all(m is None or m <= 100 for m in mota)
