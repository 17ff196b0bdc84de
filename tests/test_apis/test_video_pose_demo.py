# Copyright (c) fami-pose-mm contributors. All rights reserved.
import importlib.util
import json
import os
import os.path as osp
import socket
import subprocess
import sys

import cv2
import pytest
import torch
from apis_test_utils import (CLIP_DIR, CLIP_MP4, count_video_frames,
                             crossing_frames, crossing_people, person_of,
                             save_det_files, save_pose_checkpoint,
                             write_boxes_file, write_synthetic_video)

from fami_pose_mm.evaluation.functional import load_posetrack18_video

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = osp.join(ROOT, 'tools', 'demo', 'video_pose_demo.py')


def _demo():
    spec = importlib.util.spec_from_file_location('video_pose_demo', DEMO)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _check_json(path, num_frames, video):
    with open(path) as f:
        pred = json.load(f)
    assert sorted(pred) == ['annotations', 'categories', 'images', 'info']
    assert pred['info'] == dict(partial=False, frames=num_frames,
                                unreadable_frames=[])
    assert [im['id'] for im in pred['images']] == list(range(num_frames))
    assert pred['images'][0]['file_name'] == f'{video}/000000.jpg'
    assert len(pred['categories'][0]['keypoints']) == 17
    for ann in pred['annotations']:
        assert set(ann) >= {'image_id', 'keypoints', 'scores', 'score',
                            'bbox', 'track_id', 'category_id'}
        assert len(ann['keypoints']) == 51 and len(ann['scores']) == 17
    # the project's PoseTrack18 reader accepts it, one entry per frame
    assert len(load_posetrack18_video(path, is_gt=False)) == num_frames
    return pred


def test_demo_on_real_clip(pose_files, tmp_path):
    cfg, ckpt = pose_files
    out = str(tmp_path / 'out')
    stats = _demo().main([CLIP_MP4, cfg, ckpt, '--whole-frame',
                          '--output-root', out, '--device', 'cpu'])
    assert stats['frames'] == 5 and stats['reads'] == 5
    assert count_video_frames(osp.join(out, '000001_mpiinew_test.mp4')) == (
        5, (1280, 720))
    pred = _check_json(osp.join(out, '000001_mpiinew_test.json'), 5,
                       '000001_mpiinew_test')
    assert len(pred['annotations']) == 5


def test_demo_detector_and_boxes_file(pose_files, tmp_path):
    cfg, ckpt = pose_files
    video = write_synthetic_video(str(tmp_path / 'syn.mp4'), 5)
    det_cfg, det_ckpt = save_det_files(str(tmp_path))
    out = str(tmp_path / 'det')
    stats = _demo().main([video, cfg, ckpt, '--det-config', det_cfg,
                          '--det-checkpoint', det_ckpt, '--output-root', out,
                          '--device', 'cpu', '--draw-bbox'])
    assert stats['frames'] == 5 and 5 <= stats['persons'] <= 15
    assert count_video_frames(osp.join(out, 'syn.mp4')) == (5, (96, 64))
    _check_json(osp.join(out, 'syn.json'), 5, 'syn')
    boxes = tmp_path / 'boxes.json'
    boxes.write_text(json.dumps([
        dict(file_name='000001.jpg', bbox=[100, 50, 300, 500], score=0.8)]))
    out = str(tmp_path / 'file')
    _demo().main([CLIP_DIR, cfg, ckpt, '--bboxes-file', str(boxes),
                  '--output-root', out, '--no-video'])
    pred = _check_json(osp.join(out, '000001_mpiinew_test.json'), 5,
                       '000001_mpiinew_test')
    assert [a['image_id'] for a in pred['annotations']] == [1]
    assert not osp.exists(osp.join(out, '000001_mpiinew_test.mp4'))


def test_demo_tracking_and_no_tracking(pose_files, tmp_path,
                                       one_torch_thread):
    cfg, ckpt = pose_files
    boxes = crossing_people(6)
    folder = tmp_path / 'crossing'
    folder.mkdir()
    for t, frame in enumerate(crossing_frames(boxes)):
        cv2.imwrite(str(folder / f'{t:06d}.jpg'), frame)
    boxes_file = write_boxes_file(str(tmp_path / 'boxes.json'), boxes)

    def track_ids(*options):
        out = str(tmp_path / f'out{len(options)}')
        _demo().main([str(folder), cfg, ckpt, '--bboxes-file', boxes_file,
                      '--output-root', out, '--no-video', *options])
        pred = _check_json(osp.join(out, 'crossing.json'), 6, 'crossing')
        ids = {}
        for ann in pred['annotations']:
            x, y, w, h = ann['bbox']
            person = person_of([x, y, x + w, y + h], boxes[ann['image_id']])
            ids.setdefault(person, []).append(ann['track_id'])
        return ids

    tracked = track_ids()
    assert sorted(tracked) == [0, 1] and tracked[0] != tracked[1]
    assert all(len(set(ids)) == 1 for ids in tracked.values())
    # without tracking the id is the box's position in its frame, which
    # the boxes file shuffles
    untracked = track_ids('--no-tracking')
    assert any(len(set(ids)) == 2 for ids in untracked.values())


def test_demo_errors(pose_files, tmp_path, capsys, monkeypatch):
    cfg, ckpt = pose_files
    demo = _demo()
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        demo.main([CLIP_MP4, cfg, str(tmp_path / 'missing.pth'),
                   '--whole-frame', '--output-root', str(tmp_path)])
    (tmp_path / 'file').write_text('x')
    with pytest.raises(PermissionError, match='not writable'):
        demo.main([CLIP_MP4, cfg, ckpt, '--whole-frame', '--output-root',
                   str(tmp_path / 'file' / 'out')])
    # was "File exists"
    with pytest.raises(PermissionError, match='output folder .*file is a '
                       'file, not a folder'):
        demo.main([CLIP_MP4, cfg, ckpt, '--whole-frame', '--output-root',
                   str(tmp_path / 'file')])
    with pytest.raises(SystemExit):
        demo.main([CLIP_MP4, cfg, ckpt])  # no box source
    assert 'one of the arguments' in capsys.readouterr().err
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    with pytest.raises(ValueError, match=r"device 'cuda:0': no CUDA GPU .*"
                       'use --device cpu'):
        demo.main([CLIP_MP4, cfg, ckpt, '--whole-frame', '--output-root',
                   str(tmp_path / 'out'), '--device', 'cuda:0'])


#: The demo command of `make demo` (and of the README's first run): the
#: video model started from the single-frame model (a) of the main job, on
#: a synthetic test video with the split's detection boxes.
FIRST_RUN_DEMO = (
    'tools/demo/video_pose_demo.py '
    'data/synthetic/images/test/200001_synthetic_test '
    'configs/synthetic/d_fami.py work_dirs/synthetic/a_single_frame.pth '
    '--bboxes-file data/synthetic/annotations/'
    'posetrack18_test_human_detections.json '
    '--bboxes-video 200001 --output-root outputs/')


def _squash(text: str) -> str:
    text = text.replace('\\\n', ' ').replace('$(PYTHON)', 'python')
    return ' '.join(text.split())


@pytest.mark.slow
def test_first_run_demo(tmp_path, monkeypatch):
    """`make demo`'s command, network blocked, on a generated set, with
    (a)'s checkpoint (random weights here): a single-frame checkpoint
    the video model accepts."""
    from mmengine.config import Config

    from fami_pose_mm.synthetic import SyntheticConfig, generate_dataset
    with open(osp.join(ROOT, 'Makefile')) as f:
        assert FIRST_RUN_DEMO in _squash(f.read())
    with open(osp.join(ROOT, 'README.md')) as f:
        assert FIRST_RUN_DEMO in _squash(f.read())
    data = tmp_path / 'data' / 'synthetic'
    generate_dataset(str(data), SyntheticConfig.from_preset('quick', seed=0),
                     workers=1)
    (tmp_path / 'work_dirs' / 'synthetic').mkdir(parents=True)
    save_pose_checkpoint(
        Config.fromfile(osp.join(ROOT, 'configs/synthetic/a_single_frame.py')),
        str(tmp_path / 'work_dirs' / 'synthetic' / 'a_single_frame.pth'))
    argv = FIRST_RUN_DEMO.split()[1:]
    argv[1] = osp.join(ROOT, argv[1])  # the config; data and work dirs here
    monkeypatch.chdir(tmp_path)

    def no_network(*args, **kwargs):
        raise AssertionError('the offline command used the network')

    monkeypatch.setattr(socket.socket, 'connect', no_network)
    stats = _demo().main(argv)
    assert stats['frames'] == 8 and stats['persons'] > 0
    assert count_video_frames(stats['video'])[0] == 8
    _check_json(stats['json'], 8, '200001_synthetic_test')


def test_demo_subprocess(pose_files, tmp_path):
    cfg, ckpt = pose_files
    video = write_synthetic_video(str(tmp_path / 'sub.mp4'), 3)
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep +
               os.environ.get('PYTHONPATH', ''))
    proc = subprocess.run(
        [sys.executable, DEMO, video, cfg, ckpt, '--whole-frame',
         '--output-root', str(tmp_path / 'o'), '--device', 'cpu'],
        capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert count_video_frames(str(tmp_path / 'o' / 'sub.mp4')) == (3,
                                                                   (96, 64))
    assert '| 3 | 3 | 3 |' in proc.stdout + proc.stderr


def _run_demo_process(argv, tmp_path, before=''):
    """The demo as a command (``run_cli``), with ``before`` run first in
    the same process."""
    script = tmp_path / 'run_demo.py'
    script.write_text(
        'import runpy, sys\n' + before +
        f'sys.argv = [{DEMO!r}] + sys.argv[1:]\n'
        f'runpy.run_path({DEMO!r}, run_name="__main__")\n')
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep +
               os.environ.get('PYTHONPATH', ''))
    return subprocess.run([sys.executable, str(script), *argv],
                          capture_output=True, text=True, env=env,
                          timeout=180)


def test_demo_sigterm_and_input_errors_end_cleanly(pose_files, tmp_path):
    cfg, ckpt = pose_files
    (tmp_path / 'in').mkdir()
    video = write_synthetic_video(str(tmp_path / 'in' / 'clip.mp4'), 5)
    out = tmp_path / 'out'
    # SIGTERM after the second frame: what was done is written, marked
    # partial, and the exit status says SIGTERM (128 + 15)
    proc = _run_demo_process(
        [video, cfg, ckpt, '--whole-frame', '--output-root', str(out),
         '--device', 'cpu'], tmp_path,
        before='import os, signal\n'
        'from fami_pose_mm.apis.run_outputs import RunOutputs\n'
        'add = RunOutputs.add\n'
        'def add_then_terminate(self, index, *a, **k):\n'
        '    add(self, index, *a, **k)\n'
        '    if index == 1:\n'
        '        os.kill(os.getpid(), signal.SIGTERM)\n'
        'RunOutputs.add = add_then_terminate\n')
    assert proc.returncode == 143, proc.stderr[-2000:]
    assert proc.stderr.rstrip().endswith('stopped (SIGTERM)')
    with open(out / 'clip.json') as f:
        info = json.load(f)['info']
    assert (info['partial'], info['frames']) == (True, 2)
    assert count_video_frames(str(out / 'clip.mp4'))[0] == 2
    # an input error: one line, exit status 2, the input untouched
    size = os.path.getsize(video)
    proc = _run_demo_process(
        [video, cfg, ckpt, '--whole-frame', '--output-root',
         osp.dirname(video), '--device', 'cpu'], tmp_path)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert 'error: vis_out_dir ' in proc.stderr and 'is the input' in \
        proc.stderr
    assert 'Traceback' not in proc.stderr
    assert os.path.getsize(video) == size


def test_demo_options_checked_before_work(pose_files, tmp_path, capsys):
    cfg, ckpt = pose_files
    demo = _demo()
    with pytest.raises(SystemExit):
        demo.main([CLIP_MP4, cfg, ckpt, '--whole-frame', '--bboxes-video',
                   '3'])
    assert '--bboxes-video selects a video of a --bboxes-file' in \
        capsys.readouterr().err
    with pytest.raises(SystemExit):
        demo.main([CLIP_MP4, cfg, ckpt, '--whole-frame', '--threads', '-1'])
    assert '--threads must be >= 0' in capsys.readouterr().err
    # --online on a model with future frames: the suggested fix works
    with pytest.raises(ValueError, match=r'frame_offsets \(-1, 1\) has '
                       r'positive offsets.*--frame-offsets -2 -1') as err:
        demo.main([CLIP_MP4, cfg, ckpt, '--whole-frame', '--online',
                   '--output-root', str(tmp_path / 'o')])
    fix = str(err.value).split('demo: ')[1].split(';')[0].split()
    stats = demo.main([CLIP_MP4, cfg, ckpt, '--whole-frame', '--online',
                       *fix, '--threads', '1', '--no-video',
                       '--output-root', str(tmp_path / 'o')])
    assert stats['frames'] == 5 and torch.get_num_threads() == 1
