# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Track ids in PoseTrack files (bad input) and ``eval_posetrack.py
--tracking``."""
import copy
import importlib.util
import json
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
from test_posetrack_mota import _video

from fami_pose_mm.evaluation.functional import (evaluate_tracking,
                                                load_posetrack18_folders,
                                                load_posetrack18_video)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
REPO = osp.dirname(ROOT)
VIDEO = osp.join(ROOT, 'data', 'posetrack18', 'annotations', 'val',
                 '012834_mpii_test.json')


def _official(change=None) -> dict:
    with open(VIDEO) as f:
        video = json.load(f)
    if change is not None:
        change(video['annotations'])
    return video


def test_track_ids_are_read_only_for_tracking():
    frames = load_posetrack18_video(VIDEO, is_gt=True, tracking=True)
    assert frames[0].track_ids.tolist() == [
        a['track_id'] for a in _official()['annotations']]
    assert frames[0].video == VIDEO
    plain = load_posetrack18_video(VIDEO, is_gt=True)
    assert plain[0].track_ids is None
    # without tracking, missing ids are no error (the AP does not need them)
    video = _official(lambda anns: [a.pop('track_id') for a in anns])
    assert load_posetrack18_video(video, False, 'p.json')[0].num_people == 11


@pytest.mark.parametrize('value, message', [
    (None, 'no track_id'),
    (1.5, 'track_id is 1.5, expected a non-negative integer'),
    ('3', "track_id is '3', expected a non-negative integer"),
    (True, 'track_id is True, expected a non-negative integer'),
    (-1, r'track_id -1 is not in \[0, 10000\)'),
    (10000, r'track_id 10000 is not in \[0, 10000\)'),
])
def test_bad_track_ids_name_file_frame_and_person(value, message):
    def change(anns):
        if value is None:
            anns[2].pop('track_id')
        else:
            anns[2]['track_id'] = value
    video = _official(change)
    ann_id = video['annotations'][2]['id']
    for is_gt in (True, False):
        with pytest.raises(ValueError) as err:
            load_posetrack18_video(video, is_gt, 'p.json', tracking=True)
        assert str(err.value).startswith(
            f'p.json, image id 10128340000, annotation id {ann_id} '
            '(annotations[2])')
        assert err.match(message)


def test_repeated_track_id_in_a_frame():
    video = _official(lambda anns: anns[3].update(track_id=anns[1][
        'track_id']))
    # ground truth too: poseval accepts it and scores a perfect prediction
    # of such a file MOTA 91
    for is_gt, name in ((False, 'p.json'), (True, 'g.json')):
        with pytest.raises(ValueError,
                           match=f'{name}, image id 10128340000: track_id 1 '
                           'is given to several people of the frame'):
            load_posetrack18_video(video, is_gt, name, tracking=True)
        # the AP does not read track ids
        assert load_posetrack18_video(video, is_gt, name)[0].num_people == 11


def test_annolist_track_ids():
    video = {'annolist': [{
        'image': [{'name': 'images/val/x/000000.jpg'}],
        'annorect': [
            {'track_id': [4], 'annopoints': [{'point': [
                {'id': [0], 'x': [10.0], 'y': [20.0], 'score': [0.5]}]}]},
            {'track_id': [7]},  # lists no joints: not a person for MOTA
        ]}]}
    frame = load_posetrack18_video(video, False, 'a.json', tracking=True)[0]
    assert frame.track_ids.tolist() == [4, 7]
    assert frame.has_points.tolist() == [True, False]
    # a person without joints is not tracked: its id may repeat
    video['annolist'][0]['annorect'][1]['track_id'] = [4]
    frame = load_posetrack18_video(video, True, 'a.json', tracking=True)[0]
    assert frame.track_ids.tolist() == [4, 4]
    video['annolist'][0]['annorect'][1]['annopoints'] = copy.deepcopy(
        video['annolist'][0]['annorect'][0]['annopoints'])
    for is_gt in (True, False):
        with pytest.raises(ValueError, match='a.json, frame 0 .*track_id 4 '
                           'is given to several people'):
            load_posetrack18_video(video, is_gt, 'a.json', tracking=True)
    del video['annolist'][0]['annorect'][0]['track_id']
    with pytest.raises(ValueError, match='a.json, frame 0 .*annorect 0: no '
                       'track_id'):
        load_posetrack18_video(video, False, 'a.json', tracking=True)


def test_videos_with_a_single_annotated_frame_are_reported():
    frames = load_posetrack18_video(VIDEO, is_gt=True, tracking=True)
    preds = load_posetrack18_video(_official(), False, 'p.json', True)
    with pytest.warns(UserWarning, match='1 videos have a single frame with '
                      'ground-truth people'):
        res = evaluate_tracking(frames, preds)
    assert res['num_frames'] == 0 and np.isnan(res['summary']['Total'])


def _write(folder, videos):
    folder.mkdir()
    for v, video in enumerate(videos):
        (folder / f'{v:06d}.json').write_text(json.dumps(video))
    return str(folder)


def _tool():
    spec = importlib.util.spec_from_file_location(
        'eval_posetrack', osp.join(REPO, 'tools', 'eval_posetrack.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


@pytest.fixture(scope='module')
def folders(tmp_path_factory):
    rng = np.random.default_rng(11)
    videos = [_video(rng, v) for v in range(3)]
    tmp = tmp_path_factory.mktemp('tracking')
    return (_write(tmp / 'gt', [g for g, _ in videos]),
            _write(tmp / 'pred', [p for _, p in videos]))


def test_eval_command_prints_and_writes_the_tracking_table(
        folders, tmp_path, capsys):
    gt_dir, pred_dir = folders
    out = tmp_path / 'metrics.json'
    res = _tool().main([gt_dir, pred_dir, '--tracking', '--out', str(out)])
    printed = capsys.readouterr().out
    assert printed.index('Average Precision') < printed.index(
        'Multiple Object Tracking (MOT)')
    for column in ('MOTA Head', 'MOTA Ankle', 'MOTA Total', 'MOTP',
                   'Precision', 'Recall'):
        assert column in printed
    gts, preds, _ = load_posetrack18_folders(gt_dir, pred_dir, tracking=True)
    expected = evaluate_tracking(gts, preds)['summary']
    written = json.loads(out.read_text())['tracking']['summary']
    assert list(written) == [
        'Head', 'Shoulder', 'Elbow', 'Wrist', 'Hip', 'Knee', 'Ankle',
        'Total', 'MOTP', 'Precision', 'Recall'
    ]
    assert written == pytest.approx(dict(expected))
    assert res['tracking']['summary'] == written
    assert f"{expected['Total']:.1f}" in printed
    assert len(json.loads(out.read_text())['tracking']['mota']) == 15


def test_eval_command_without_tracking_has_no_tracking_entry(folders):
    res = _tool().main(list(folders))
    assert 'tracking' not in res


def test_tracking_needs_ids_in_every_prediction(folders, tmp_path):
    gt_dir, pred_dir = folders
    with open(osp.join(pred_dir, '000001.json')) as f:
        video = json.load(f)
    broken = copy.deepcopy(video)
    del broken['annotations'][0]['track_id']
    bad_dir = tmp_path / 'bad'
    bad_dir.mkdir()
    for name in ('000000.json', '000002.json'):
        (bad_dir / name).write_text(
            open(osp.join(pred_dir, name)).read())
    (bad_dir / '000001.json').write_text(json.dumps(broken))
    image = broken['annotations'][0]['image_id']
    with pytest.raises(ValueError, match=f'000001.json, image id {image}, '
                       r'annotation id 0 \(annotations\[0\]\): no track_id'):
        _tool().main([gt_dir, str(bad_dir), '--tracking'])
    _tool().main([gt_dir, str(bad_dir)])  # the AP alone needs no ids


def test_command_line_does_not_import_torch_or_mmpose(folders):
    probe = ('import runpy, sys; sys.argv = ["eval_posetrack.py"] + '
             'sys.argv[1:]; runpy.run_path("tools/eval_posetrack.py", '
             'run_name="__main__"); print("heavy:", sorted(m for m in '
             '("torch", "mmpose", "mmengine", "mmcv") if m in sys.modules))')
    proc = subprocess.run([sys.executable, '-c', probe, *folders,
                           '--tracking'], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert 'heavy: []' in proc.stdout and 'MOTA Total' in proc.stdout
