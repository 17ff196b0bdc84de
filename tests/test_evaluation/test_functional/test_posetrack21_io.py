# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""eval_posetrack.py --dataset posetrack21 on the PoseTrack21 fixtures, and
its bad input: each error names file, image (or annotation) and field."""
import importlib.util
import json
import os.path as osp
import re
import subprocess
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
GT21 = osp.join(ROOT, 'data', 'posetrack21', 'posetrack_data', 'val')
GT18 = osp.join(ROOT, 'data', 'posetrack18', 'annotations', 'val')
VIDEOS = ('003418_mpii_test.json', '009473_mpii_test.json',
          '012834_mpii_test.json')
TOOL = osp.join(osp.dirname(ROOT), 'tools', 'eval_posetrack.py')


def _tool():
    """tools/eval_posetrack.py as a module."""
    spec = importlib.util.spec_from_file_location('eval_posetrack', TOOL)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def _copy(source, folder, change=None) -> str:
    """Copy the files of ``source`` into ``folder``; ``change(name,
    content)`` may edit a file's content first."""
    folder.mkdir()
    for name in VIDEOS:
        with open(osp.join(source, name)) as f:
            content = json.load(f)
        if change is not None:
            change(name, content)
        (folder / name).write_text(json.dumps(content))
    return str(folder)


def _as_prediction(name, content):
    """The ground truth as a prediction: scores, no box-only persons."""
    content['annotations'] = [
        dict(a, scores=[1.0] * 17) for a in content['annotations']
        if any(a['keypoints'])
    ]


@pytest.mark.filterwarnings('ignore::UserWarning')
def test_command_on_the_fixtures(tmp_path, capsys):
    pred = _copy(GT21, tmp_path / 'pred', _as_prediction)
    out = tmp_path / 'hota.json'
    res = _tool().main([GT21, pred, '--dataset', 'posetrack21', '--tracking',
                        '--out', str(out)])
    printed = capsys.readouterr().out
    assert 'PoseTrack21 kit' in printed and 'Keypoint HOTA' in printed
    written = json.loads(out.read_text())
    assert written['dataset'] == 'posetrack21'
    assert written['summary']['Total'] == pytest.approx(100)
    summary = written['tracking']['summary']
    assert {'HOTA', 'DetA', 'AssA', 'LocA'} <= set(summary)
    assert summary['DetA'] == pytest.approx(100)
    assert summary['LocA'] == pytest.approx(100)
    # The kit's Total of a video averages over all 15 joints: a joint no
    # one in the video has scores AssA 0 there (003418 has 4 such).
    assert 90 < summary['AssA'] < 100
    per_joint = written['tracking']['per_joint']
    assert per_joint['AssA'][:15] == pytest.approx([100] * 15)
    assert len(written['tracking']['per_alpha']['HOTA']) == 19
    assert res['tracking']['joints'][-1] == 'Total'


def test_posetrack18_ground_truth_given_as_posetrack21(tmp_path):
    with pytest.raises(ValueError, match=re.escape(
            osp.join(GT18, VIDEOS[0])) + r': annotation id \d+ '
            r'\(annotations\[0\], image id \d+\) has no person_id: a '
            'PoseTrack18 file'):
        _tool().main([GT18, GT18, '--dataset', 'posetrack21'])


def test_posetrack21_ground_truth_given_as_posetrack18(tmp_path):
    with pytest.raises(ValueError, match=re.escape(
            osp.join(GT21, VIDEOS[0])) + ': a PoseTrack21 file'):
        _tool().main([GT21, GT21])


def _no_person_id(name, content):
    if name == VIDEOS[1]:
        del content['annotations'][1]['person_id']


def _two_point_polygon(name, content):
    if name == VIDEOS[2]:
        content['images'][0]['ignore_regions_x'][1] = [10.0, 20.0]
        content['images'][0]['ignore_regions_y'][1] = [10.0, 30.0]


@pytest.mark.parametrize('change, video, message', [
    (_no_person_id, VIDEOS[1], r'annotation id \d+ \(annotations\[1\], '
     r'image id \d+\) has no person_id'),
    (_two_point_polygon, VIDEOS[2], r'image id \d+: ignore_regions_x\[1\] '
     'has 2 points; a polygon needs at least 3'),
], ids=['missing person_id', 'polygon of 2 points'])
def test_bad_ground_truth(tmp_path, change, video, message):
    gt = _copy(GT21, tmp_path / 'gt', change)
    with pytest.raises(ValueError, match=re.escape(osp.join(gt, video)) +
                       '[,:] ' + message):
        _tool().main([gt, GT21, '--dataset', 'posetrack21'])


def test_prediction_without_track_id_under_tracking(tmp_path):
    def no_track(name, content):
        _as_prediction(name, content)
        if name == VIDEOS[2]:
            del content['annotations'][3]['track_id']

    pred = _copy(GT21, tmp_path / 'pred', no_track)
    with pytest.raises(ValueError, match=re.escape(osp.join(
            pred, VIDEOS[2])) + r', image id \d+, annotation id \d+ '
            r'\(annotations\[3\]\): no track_id'):
        _tool().main([GT21, pred, '--dataset', 'posetrack21', '--tracking'])
    # Without --tracking the mAP needs no track ids.
    res = _tool().main([GT21, pred, '--dataset', 'posetrack21'])
    assert res['summary']['Total'] == pytest.approx(100)


def test_error_line_and_exit_status(tmp_path):
    proc = subprocess.run(
        [sys.executable, TOOL, GT18, GT18, '--dataset', 'posetrack21'],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1].startswith('error: ')
    assert 'has no person_id' in proc.stderr
