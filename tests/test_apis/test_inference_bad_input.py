# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Bad input and early stops of the video inferencer: every case ends in an
error naming what and where, or in a documented, reported fallback; what
was processed is never lost."""
import json
import os.path as osp
import re

import cv2
import numpy as np
import pytest
import torch
from apis_test_utils import (CLIP_DIR, CLIP_MP4, corrupt_video_frame,
                             count_video_frames, save_det_files,
                             save_pose_checkpoint, tiny_pose_config,
                             write_synthetic_video)

from mmengine.structures import InstanceData
from mmpose.structures import PoseDataSample

from fami_pose_mm.apis import PersonDetector, VideoPoseInferencer
from fami_pose_mm.apis.run_outputs import letterbox


@pytest.fixture(scope='module')
def inferencer(pose_files):
    inferencer = VideoPoseInferencer(*pose_files, device='cpu')
    assert inferencer.frame_offsets == (-1, 1)  # a multi-frame model
    return inferencer


def _load(path):
    with open(path) as f:
        return json.load(f)


def _outputs(tmp_path, name='out'):
    return dict(out_json=str(tmp_path / f'{name}.json'),
                vis_out_dir=str(tmp_path / f'{name}.mp4'))


def test_corrupt_frame_mid_video_gets_an_empty_entry(inferencer, tmp_path):
    # Before, the reader stopped at the damaged frame 4: frames 4-7 were
    # missing from every output, without a word.
    video = corrupt_video_frame(tmp_path / 'mid.avi', 4)
    out = _outputs(tmp_path)
    with pytest.warns(UserWarning, match=r'frame 4 \(000004.jpg\) of mid: '
                      'video .*mid.avi cannot decode it; skipped'):
        results = list(inferencer(video, whole_frame=True, **out))
    assert [r['frame_index'] for r in results] == list(range(8))
    assert [r['readable'] for r in results] == [True] * 4 + [False] + \
        [True] * 3
    assert [len(r['predictions'][0]) for r in results] == [1] * 4 + [0] + \
        [1] * 3
    assert (inferencer.stats['unreadable'], inferencer.stats['reads'],
            inferencer.stats['partial']) == (1, 7, False)
    pred = _load(out['out_json'])
    assert len(pred['images']) == 8 and len(pred['annotations']) == 7
    assert pred['info'] == dict(partial=False, frames=8,
                                unreadable_frames=[4])
    assert count_video_frames(out['vis_out_dir']) == (8, (96, 64))


def test_error_mid_run_keeps_the_frames_done(inferencer, tmp_path):
    # Before, a window mixing frame sizes went to the model unchecked.
    frames = [np.full((64, 96, 3), 40 * t, np.uint8) for t in range(3)]
    frames += [np.zeros((32, 48, 3), np.uint8)] * 2
    out = _outputs(tmp_path)
    with pytest.raises(ValueError, match=r'frame 3 \(000003.jpg\) is 48x32, '
                       r'key frame 2 \(000002.jpg\) 96x64') as error:
        list(inferencer(frames, whole_frame=True, **out))
    assert 'stopped at frame 3; output written: ' in error.value.__notes__[0]
    info = _load(out['out_json'])['info']
    assert (info['partial'], info['frames'], info['stopped_at_frame']) == (
        True, 2, 3)
    assert info['reason'].startswith('ValueError: frame 3 (000003.jpg)')
    assert count_video_frames(out['vis_out_dir']) == (2, (96, 64))


def test_caller_stopping_early_keeps_the_output(inferencer, tmp_path):
    # Before, closing the generator left no JSON at all.
    out = _outputs(tmp_path)
    run = inferencer(CLIP_MP4, whole_frame=True, **out)
    assert [next(run)['frame_index'] for _ in range(2)] == [0, 1]
    run.close()
    assert _load(out['out_json'])['info'] == dict(
        partial=True, frames=2, unreadable_frames=[], stopped_at_frame=2,
        reason='stopped by the caller after frame 1')
    assert count_video_frames(out['vis_out_dir']) == (2, (1280, 720))


def test_unwritable_outputs_fail_before_the_first_frame(inferencer,
                                                        tmp_path):
    # Before, a JSON target that is a folder failed after the last frame.
    (tmp_path / 'out.json').mkdir()
    with pytest.raises(PermissionError, match='out.json is a folder, not a '
                       'file'):
        inferencer(CLIP_MP4, whole_frame=True,
                   out_json=str(tmp_path / 'out.json'))
    with pytest.raises(PermissionError, match=r'cannot write video .*'
                       r'out.txt: no (h264|mp4v) writer for this file name'):
        inferencer(CLIP_MP4, whole_frame=True,
                   vis_out_dir=str(tmp_path / 'out.txt'))
    assert not (tmp_path / 'out.txt').exists()


def test_output_video_has_one_frame_per_input_frame(tmp_path):
    # Before, OpenCV's writer dropped frames 1 and 3 (not the first size).
    cfg = tiny_pose_config(frame_offsets=(), multi_frame=False)
    cfg_path = str(tmp_path / 'single.py')
    cfg.dump(cfg_path)
    single = VideoPoseInferencer(
        cfg_path, save_pose_checkpoint(cfg, str(tmp_path / 'single.pth')),
        device='cpu')
    frames = [np.zeros(shape, np.uint8) for shape in
              [(64, 96, 3), (80, 120, 3), (64, 96, 3), (100, 50, 3)]]
    out = str(tmp_path / 'mixed.mp4')
    with pytest.warns(UserWarning, match=r'frame 1 \(000001.jpg\) is 120x80, '
                      r'the video .*mixed.mp4 96x64 .* letterboxed'):
        results = list(single(frames, whole_frame=True, vis_out_dir=out))
    assert len(results) == 4 and single.stats['resized'] == 2
    assert count_video_frames(out) == (4, (96, 64))


def test_letterbox_keeps_the_aspect_ratio():
    image = letterbox(np.full((100, 50, 3), 255, np.uint8), (96, 64))
    assert image.shape == (64, 96, 3)
    assert (image[:, 32:64] == 255).all()  # 50x100 -> 32x64, centred
    assert (image[:, :32] == 0).all() and (image[:, 64:] == 0).all()


def test_boxes_file_checks_in_the_inferencer(inferencer, tmp_path):
    # Before, the box right of the 1280x720 frame gave a person, a file of
    # other frames gave empty output silently, and NaN reached the JSON.
    path = tmp_path / 'dets.json'
    path.write_text(json.dumps([
        dict(frame_index=0, bbox=[100, 80, 200, 400], score=0.9),
        dict(frame_index=0, bbox=[2000, 80, 200, 400], score=0.9)]))
    with pytest.warns(UserWarning, match=r'dets.json: record 1 \(frame 0\) '
                      r'.* outside the 1280x720 frame'):
        results = list(inferencer(CLIP_MP4, bboxes_file=str(path)))
    assert [len(r['predictions'][0]) for r in results] == [1, 0, 0, 0, 0]
    assert inferencer.stats['boxes_outside'] == 1
    path.write_text(json.dumps([
        dict(frame_index=50, bbox=[100, 80, 200, 400], score=0.9)]))
    with pytest.raises(ValueError, match=r'dets.json: none of its 1 person '
                       r'boxes is on a frame of .*000001_mpiinew_test.mp4 '
                       r'\(5 frames'):
        inferencer(CLIP_MP4, bboxes_file=str(path))
    path.write_text('[{"frame_index": 0, "bbox": [1, 2, NaN, 4], '
                    '"score": 0.9}]')
    with pytest.raises(ValueError, match=r'dets.json: record 0 has a '
                       'non-finite w'):
        inferencer(CLIP_MP4, bboxes_file=str(path))


def test_unavailable_device_fails_early(pose_files, tmp_path, monkeypatch):
    # Before: a raw torch RuntimeError deep in the model's .to(device).
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    with pytest.raises(ValueError, match=r"device 'cuda:0': no CUDA GPU is "
                       'available on this machine'):
        VideoPoseInferencer(*pose_files, device='cuda:0')
    det_cfg, det_ckpt = save_det_files(str(tmp_path))
    with pytest.raises(ValueError, match="device 'cuda': no CUDA GPU"):
        PersonDetector(det_cfg, det_ckpt, device='cuda')


def test_documented_errors_of_configs_and_checkpoints(pose_files, tmp_path,
                                                      monkeypatch):
    """The rows of the errors table of docs/inference.md for models."""
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch'))
    cfg, ckpt = pose_files
    # Before: ValueError "Cannot find model: ... in mmpose"
    with pytest.raises(FileNotFoundError, match='config .*missing.py does '
                       'not exist'):
        VideoPoseInferencer(str(tmp_path / 'missing.py'), ckpt)
    with pytest.raises(FileNotFoundError, match='config mmpose::nothing.py '
                       'does not exist'):
        VideoPoseInferencer('mmpose::nothing.py', ckpt)
    cache = osp.join(str(tmp_path), 'torch', 'hub', 'checkpoints')
    with pytest.raises(FileNotFoundError, match=r'cannot download checkpoint '
                       rf'http://127.0.0.1:9/pose.pth .* at {cache}/pose.pth'):
        VideoPoseInferencer(cfg, 'http://127.0.0.1:9/pose.pth', device='cpu')
    det_cfg, _ = save_det_files(str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r'cannot download checkpoint '
                       rf'http://127.0.0.1:9/det.pth .* at {cache}/det.pth'):
        PersonDetector(det_cfg, 'http://127.0.0.1:9/det.pth')
    with pytest.raises(FileNotFoundError, match='detector checkpoint .*'
                       'nothere.pth does not exist'):
        PersonDetector(det_cfg, str(tmp_path / 'nothere.pth'))
    with pytest.raises(FileNotFoundError, match='config .*nothere.py does '
                       'not exist'):
        PersonDetector(str(tmp_path / 'nothere.py'))
    with pytest.raises(FileNotFoundError, match='config http://127.0.0.1:9/'
                       'det.py: .*not from a URL'):
        PersonDetector('http://127.0.0.1:9/det.py')


def _known_pose() -> PoseDataSample:
    """One person whose 17 keypoints (score 1) lie on a circle."""
    angles = np.linspace(0, 2 * np.pi, 17, endpoint=False)
    sample = PoseDataSample(metainfo=dict(img_path='x/000000.jpg'))
    sample.pred_instances = InstanceData(
        keypoints=np.stack([640 + 200 * np.cos(angles),
                            360 + 200 * np.sin(angles)], axis=1)[None],
        keypoint_scores=np.ones((1, 17)), bboxes=np.zeros((1, 4)),
        bbox_scores=np.ones(1))
    return sample


def _changed_pixels(inferencer, **draw) -> int:
    """Pixels of frame 0 of the real clip changed by the drawing."""
    run = inferencer(CLIP_DIR, whole_frame=True, return_vis=True,
                     draw_bbox=False, **draw)
    image = next(run)['visualization'][0]
    run.close()
    raw = cv2.imread(osp.join(CLIP_DIR, '000000.jpg'))[..., ::-1]
    return int((image != raw).any(axis=2).sum())


def test_radius_and_thickness_change_the_drawing(inferencer, monkeypatch):
    # Before, both were accepted and ignored: the three drawings were equal.
    monkeypatch.setattr(inferencer, 'predict_window',
                        lambda *args: _known_pose())
    thin = _changed_pixels(inferencer, radius=1, thickness=1)
    assert _changed_pixels(inferencer, radius=8, thickness=1) > thin + 100
    assert _changed_pixels(inferencer, radius=1, thickness=6) > thin + 100
    with pytest.raises(ValueError, match='thickness >= 1, got 3 and 0'):
        inferencer(CLIP_DIR, whole_frame=True, thickness=0)
    with pytest.raises(ValueError, match=r'kpt_thr must be in \[0, 1\], got '
                       '2'):
        inferencer(CLIP_DIR, whole_frame=True, kpt_thr=2)


def test_whole_frame_and_thresholds_hold_per_call(inferencer, tmp_path):
    video = write_synthetic_video(str(tmp_path / 'syn.mp4'), 3)
    det_cfg, det_ckpt = save_det_files(str(tmp_path), cls_bias=0.0)
    inferencer._init_detector(det_cfg, det_ckpt, 0, 'cpu')
    try:
        # Before, whole_frame was ignored when a detector was set.
        for result in inferencer(video, whole_frame=True):
            (person, ) = result['predictions'][0]
            np.testing.assert_array_equal(person['bbox'], [[0, 0, 96, 64]])
            assert person['bbox_score'] == 1
        with pytest.raises(ValueError, match='either bboxes_file or '
                           'whole_frame'):
            inferencer(video, whole_frame=True, bboxes_file='x.json')
        # Before, the thresholds of the last started call held for all.
        strict = inferencer(video, bbox_thr=0.99)
        loose = inferencer(video, bbox_thr=0.0)
        assert next(strict)['predictions'][0] == []
        assert len(next(loose)['predictions'][0]) >= 1
        assert [r['predictions'][0] for r in strict] == [[], []]
        loose.close()
        assert inferencer.detector.bbox_thr == 0.3
    finally:
        inferencer.detector = None


def test_outputs_never_overwrite_each_other_or_the_input(inferencer,
                                                         tmp_path):
    # Before, each of these wrote one output over another, or over the
    # input video, without a word.
    same = str(tmp_path / 'same.mp4')
    with pytest.raises(ValueError, match='vis_out_dir and out_json are the '
                       'same file .*same.mp4'):
        inferencer(CLIP_MP4, whole_frame=True, vis_out_dir=same,
                   out_json=same)
    with pytest.raises(ValueError, match='out_json and pred_out_dir are the '
                       'same file .*000001_mpiinew_test.json'):
        inferencer(CLIP_MP4, whole_frame=True,
                   out_json=str(tmp_path / 'p' / '000001_mpiinew_test.json'),
                   pred_out_dir=str(tmp_path / 'p'))
    # found after the whole run before: out_json as the folder of the
    # prediction file
    with pytest.raises(ValueError, match='pred_out_dir .*000001_mpiinew_test'
                       '.json is inside out_json .*x.json: .* would be a '
                       'folder and a file'):
        inferencer(CLIP_MP4, whole_frame=True,
                   out_json=str(tmp_path / 'x.json'),
                   pred_out_dir=str(tmp_path / 'x.json'))
    assert not (tmp_path / 'x.json').exists()
    video = tmp_path / 'in' / 'clip.mp4'
    video.parent.mkdir()
    video.write_bytes(open(CLIP_MP4, 'rb').read())
    size = video.stat().st_size
    with pytest.raises(ValueError, match='vis_out_dir .*clip.mp4 is the '
                       'input .*overwrite what it reads'):
        inferencer(str(video), whole_frame=True,
                   vis_out_dir=str(video.parent))
    # a frames folder and the video it was cut from, side by side
    frames = tmp_path / 'in' / 'clip'
    frames.mkdir()
    for t in range(3):
        (frames / f'{t:06d}.jpg').write_bytes(
            open(osp.join(CLIP_DIR, f'{t:06d}.jpg'), 'rb').read())
    with pytest.raises(ValueError, match='vis_out_dir .*clip.mp4 exists '
                       'beside the input .*clip'):
        inferencer(str(frames), whole_frame=True,
                   vis_out_dir=str(video.parent))
    assert video.stat().st_size == size
    # beside the input but not named after it: fine
    out = str(tmp_path / 'in' / 'poses.json')
    assert len(list(inferencer(str(frames), whole_frame=True,
                               out_json=out))) == 3


def test_sigterm_keeps_the_frames_done_marked_partial(inferencer, tmp_path,
                                                      monkeypatch):
    """SIGTERM (a scheduler, ``timeout``) stops a run as Ctrl-C does; an
    older complete JSON of the same name does not survive it."""
    import os
    import signal

    from fami_pose_mm.apis.run_outputs import RunOutputs
    from fami_pose_mm.cli import Terminated
    out = _outputs(tmp_path)
    (tmp_path / 'out.json').write_text(json.dumps(dict(info=dict(
        partial=False, frames=5))))
    add = RunOutputs.add

    def add_then_terminate(self, index, *args, **kwargs):
        add(self, index, *args, **kwargs)
        if index == 1:
            os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(RunOutputs, 'add', add_then_terminate)
    with pytest.raises(Terminated) as error:
        list(inferencer(CLIP_MP4, whole_frame=True, **out))
    assert 'output written: ' in error.value.__notes__[0]
    info = _load(out['out_json'])['info']
    assert (info['partial'], info['frames']) == (True, 2)
    assert info['reason'] == 'Terminated: stopped by SIGTERM'
    assert count_video_frames(out['vis_out_dir'])[0] == 2
    # the default handler is back after the run
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


def test_an_older_output_is_removed_when_the_run_starts(inferencer,
                                                        tmp_path):
    """A run killed outright (SIGKILL) leaves no older result that reads
    as its own."""
    out = _outputs(tmp_path)
    (tmp_path / 'out.json').write_text('{"info": {"partial": false}}')
    run = inferencer(CLIP_MP4, whole_frame=True, **out)
    assert not (tmp_path / 'out.json').exists()
    assert next(run)['frame_index'] == 0
    run.close()
    assert _load(out['out_json'])['info']['partial'] is True


def test_track_ids_and_scores_of_a_boxes_file(inferencer, tmp_path):
    """Before, the file's track ids were checked, then replaced by the
    tracker's without a word, and a score of 87 was passed on."""
    path = tmp_path / 'tracked.json'
    boxes = [(100, 80, 200, 400), (600, 80, 200, 400)]

    def write(ids_of, score=0.9):
        path.write_text(json.dumps([
            dict(frame_index=t, bbox=list(boxes[p]), score=score,
                 **({} if ids_of(t, p) is None else
                    dict(track_id=ids_of(t, p))))
            for t in range(5) for p in (1, 0)]))

    # every box has an id: the file's tracks are the output's
    write(lambda t, p: (7, 3)[p])
    results = list(inferencer(CLIP_MP4, bboxes_file=str(path)))
    ids = [sorted(person['track_id'] for person in r['predictions'][0])
           for r in results]
    assert ids == [[3, 7]] * 5
    left = [min(r['predictions'][0], key=lambda q: q['bbox'][0][0])
            for r in results]
    assert {q['track_id'] for q in left} == {7}
    assert inferencer.stats['tracks'] == 2
    # only some: the tracker links all boxes, and says why
    write(lambda t, p: p if t == 0 else None)
    with pytest.warns(UserWarning, match=r'tracked.json: its track ids are '
                      'not used: only 2 of its 10 boxes have one'):
        list(inferencer(CLIP_MP4, bboxes_file=str(path)))
    # two boxes of a frame in one track
    write(lambda t, p: 1)
    with pytest.raises(ValueError, match=r'tracked.json: records 0 and 1 '
                       r'are both track 1 on frame 0'):
        inferencer(CLIP_MP4, bboxes_file=str(path))
    write(lambda t, p: None, score=87)
    with pytest.raises(ValueError, match=r'tracked.json: record 0 has score '
                       r'87, not in \[0, 1\]'):
        inferencer(CLIP_MP4, bboxes_file=str(path))


def test_track_ids_of_a_boxes_file_without_tracking(pose_files, tmp_path):
    no_tracking = VideoPoseInferencer(*pose_files, device='cpu',
                                      tracker=False)
    path = tmp_path / 'tracked.json'
    path.write_text(json.dumps([dict(frame_index=0, bbox=[100, 80, 200, 400],
                                     score=0.9, track_id=4)]))
    with pytest.warns(UserWarning, match='its track ids are not used: '
                      'tracking is off'):
        list(no_tracking(CLIP_MP4, bboxes_file=str(path)))


def test_checkpoint_with_nan_weights_is_refused(pose_files, tmp_path):
    """Before, it wrote NaN keypoints into the JSON, which the project's
    own evaluator then refused."""
    cfg, ckpt = pose_files
    state = torch.load(ckpt, weights_only=False)
    name = next(k for k, v in state['state_dict'].items()
                if k.startswith('head.') and v.is_floating_point())
    state['state_dict'][name] = state['state_dict'][name].clone()
    state['state_dict'][name].view(-1)[:3] = float('nan')
    bad = str(tmp_path / 'diverged.pth')
    torch.save(state, bad)
    with pytest.raises(ValueError, match=r'diverged.pth: 1 tensors hold NaN '
                       rf'or infinite values: {re.escape(name)} \(3\); '
                       'training diverged'):
        VideoPoseInferencer(cfg, bad, device='cpu')


def test_non_finite_keypoints_are_not_written():
    from fami_pose_mm.fileio import PoseTrackVideoWriter
    writer = PoseTrackVideoWriter()
    writer.add_image(0, 'v/000000.jpg')
    kpts = np.ones((17, 3))
    kpts[4, 0] = np.nan
    with pytest.raises(ValueError, match=r'image 0, track 2: keypoints or '
                       'score are NaN or infinite'):
        writer.add_person(0, kpts, 0.5, 2)
    assert writer.annotations == []
