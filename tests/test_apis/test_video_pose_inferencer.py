# Copyright (c) fami-pose-mm contributors. All rights reserved.
import json
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from apis_test_utils import (CLIP_DIR, CLIP_MP4, save_det_files,
                             tiny_pose_config, write_synthetic_video)

from fami_pose_mm.apis import VideoPoseInferencer
from fami_pose_mm.datasets import video_reader as frame_reader


@pytest.fixture(scope='module')
def inferencer(pose_files):
    return VideoPoseInferencer(*pose_files, device='cpu')


def _record_pipeline(inferencer, monkeypatch):
    """Record the first pixel of each frame handed to the pipeline."""
    seen = []
    pipeline = inferencer.pipeline

    def wrapped(results):
        imgs = results['img'] if isinstance(results['img'], list) else [
            results['img']]
        seen.append([int(img[0, 0, 0]) for img in imgs])
        return pipeline(results)

    monkeypatch.setattr(inferencer, 'pipeline', wrapped)
    return seen


def test_windows_and_outputs_on_real_clip(inferencer, tmp_path, monkeypatch):
    frames = [cv2.imread(osp.join(CLIP_DIR, f'{t:06d}.jpg')) for t in range(5)]
    for t, frame in enumerate(frames):  # mark each frame with its index
        frame[0, 0] = t
    seen = _record_pipeline(inferencer, monkeypatch)
    out_json = str(tmp_path / 'clip.json')
    results = list(inferencer(frames, whole_frame=True, out_json=out_json))
    offsets = inferencer.frame_offsets
    expected = [[t] + [min(max(t + d, 0), 4) for d in offsets]
                for t in range(5)]
    assert seen == expected
    assert [r['frame_index'] for r in results] == list(range(5))
    assert inferencer.stats['reads'] == 5 and inferencer.stats['frames'] == 5
    inst = results[2]['predictions'][0]
    assert len(inst) == 1
    assert np.array(inst[0]['keypoints']).shape == (17, 2)
    assert np.array(inst[0]['keypoint_scores']).shape == (17, )
    np.testing.assert_allclose(inst[0]['bbox'][0], [0, 0, 1280, 720])
    # keypoints with a positive heatmap peak lie in the padded crop
    # (1.25 x 1280 wide, 0.75 aspect): x in [-160, 1440]
    kpts = np.array(inst[0]['keypoints'])
    found = np.array(inst[0]['keypoint_scores']) > 0
    assert found.any()
    assert (kpts[found, 0] >= -160).all() and (kpts[found, 0] <= 1440).all()
    pred = json.load(open(out_json))
    assert [im['file_name'] for im in pred['images']] == [
        f'images/{t:06d}.jpg' for t in range(5)]
    assert len(pred['annotations']) == 5
    assert len(pred['annotations'][0]['keypoints']) == 51


def test_matches_direct_forward(inferencer, tmp_path):
    """Frame 2 through the video loop equals a hand-built forward pass."""
    frames = [cv2.imread(osp.join(CLIP_DIR, f'{t:06d}.jpg')) for t in range(5)]
    box = np.array([300, 100, 700, 650, 0.9], np.float32)
    offsets = inferencer.frame_offsets
    imgs = [frames[2]] + [frames[min(max(2 + d, 0), 4)] for d in offsets]
    sample = inferencer.pipeline(dict(
        img=imgs if offsets else imgs[0], bbox=box[None, :4],
        bbox_score=box[4:], img_path='x', frame_offsets=offsets,
        supporting_img_paths=['y'] * len(offsets),
        **inferencer.model.dataset_meta))
    with torch.no_grad():
        direct = inferencer.model.test_step(inferencer.collate_fn([sample]))
    dets = [dict(frame_index=2, bbox=[300, 100, 400, 550], score=0.9)]
    (tmp_path / 'd.json').write_text(json.dumps(dets))
    results = list(inferencer(CLIP_DIR, bboxes_file=str(tmp_path / 'd.json'),
                              return_datasamples=True))
    pred = results[2]['predictions'][0].pred_instances
    np.testing.assert_allclose(pred.keypoints,
                               direct[0].pred_instances.keypoints, atol=1e-3)
    np.testing.assert_allclose(pred.keypoint_scores,
                               direct[0].pred_instances.keypoint_scores,
                               atol=1e-5)
    assert len(results[1]['predictions'][0].pred_instances) == 0


def test_bboxes_file_with_an_empty_frame(inferencer, tmp_path):
    dets = [dict(frame_index=t, bbox=[100 + 50 * i, 80, 200, 400],
                 score=0.9) for t in (0, 1, 3, 4) for i in range(2)]
    dets.append(dict(frame_index=2, bbox=[0, 0, 50, 50], score=0.1))
    (tmp_path / 'dets.json').write_text(json.dumps(dets))
    out_json = str(tmp_path / 'out.json')
    results = list(inferencer(CLIP_MP4, bboxes_file=str(tmp_path /
                                                        'dets.json'),
                              bbox_thr=0.3, out_json=out_json))
    assert [len(r['predictions'][0]) for r in results] == [2, 2, 0, 2, 2]
    np.testing.assert_allclose(results[0]['predictions'][0][1]['bbox'][0],
                               [150, 80, 350, 480])
    pred = json.load(open(out_json))
    assert len(pred['images']) == 5 and len(pred['annotations']) == 8
    assert pred['images'][2]['file_name'] == '000001_mpiinew_test/000002.jpg'


def test_video_shorter_than_window(pose_files, tmp_path):
    video = write_synthetic_video(str(tmp_path / 'short.mp4'), 2)
    inferencer = VideoPoseInferencer(*pose_files, device='cpu',
                                     frame_offsets=(-2, 2))
    results = list(inferencer(video, whole_frame=True))
    assert len(results) == 2 and inferencer.stats['reads'] == 2
    assert len(results[1]['predictions'][0]) == 1


def test_online_mode_has_no_delay(pose_files, inferencer, monkeypatch):
    reads = []
    decode = frame_reader._decode
    monkeypatch.setattr(frame_reader, '_decode',
                        lambda p: reads.append(p) or decode(p))
    online = VideoPoseInferencer(*pose_files, device='cpu', online=True,
                                 frame_offsets=(-2, -1))
    first = next(iter(online(CLIP_DIR, whole_frame=True)))
    assert first['frame_index'] == 0 and len(reads) == 1
    reads.clear()
    offline = next(iter(inferencer(CLIP_DIR, whole_frame=True)))
    assert offline['frame_index'] == 0
    assert len(reads) == 1 + max([0, *inferencer.frame_offsets])
    with pytest.raises(ValueError, match='online mode .*positive'):
        VideoPoseInferencer(*pose_files, device='cpu', online=True,
                            frame_offsets=(-1, 1))


def test_detector_boxes_and_zero_detections(inferencer, tmp_path):
    video = write_synthetic_video(str(tmp_path / 'syn.mp4'), 3)
    det_cfg, det_ckpt = save_det_files(str(tmp_path), cls_bias=0.0)
    inferencer._init_detector(det_cfg, det_ckpt, 0, 'cpu')
    try:
        results = list(inferencer(video, bbox_thr=0.3))
        counts = [len(r['predictions'][0]) for r in results]
        assert len(counts) == 3 and all(1 <= c <= 3 for c in counts)
        for inst in results[0]['predictions'][0]:
            assert inst['bbox_score'] > 0.3
        det_cfg, det_ckpt = save_det_files(str(tmp_path), cls_bias=-20.0)
        inferencer._init_detector(det_cfg, det_ckpt, 0, 'cpu')
        results = list(inferencer(video, bbox_thr=0.3, return_vis=True))
        assert [r['predictions'][0] for r in results] == [[], [], []]
        assert results[0]['visualization'][0].shape == (64, 96, 3)
    finally:
        inferencer.detector = None


def test_bad_inputs(pose_files, inferencer, tmp_path):
    cfg_path, ckpt = pose_files
    with pytest.raises(FileNotFoundError, match='nothere.pth'):
        VideoPoseInferencer(cfg_path, str(tmp_path / 'nothere.pth'))
    state = torch.load(ckpt, weights_only=False)['state_dict']
    state['extra.weight'] = torch.zeros(1)
    name = next(k for k in state if k.startswith('head.final_layer.weight'))
    state[name] = state[name][:3]
    bad = str(tmp_path / 'bad.pth')
    torch.save(dict(state_dict=state), bad)
    with pytest.raises(ValueError, match=r'(?s)bad.pth does not match.*'
                       r'unexpected in checkpoint: extra.weight.*'
                       r'head.final_layer.weight \(3,'):
        VideoPoseInferencer(cfg_path, bad)
    if 'neck' in tiny_pose_config().model:
        with pytest.raises(ValueError, match=r'4 frames per clip .* 3'):
            VideoPoseInferencer(cfg_path, ckpt, frame_offsets=(-2, -1, 1))
    with pytest.raises(ValueError, match='no person boxes'):
        list(inferencer(CLIP_MP4))
    (tmp_path / 'afile').write_text('x')
    with pytest.raises(PermissionError, match='afile is a file, not a folder'):
        list(inferencer(CLIP_MP4, whole_frame=True,
                        out_json=str(tmp_path / 'afile' / 'o.json')))
    empty = tmp_path / 'empty.mp4'
    writer = cv2.VideoWriter(str(empty), cv2.VideoWriter_fourcc(*'mp4v'), 5,
                             (32, 32))
    writer.release()
    with pytest.raises(ValueError, match='empty.mp4'):
        list(inferencer(str(empty), whole_frame=True))


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_cuda_matches_cpu(pose_files, inferencer):
    gpu = VideoPoseInferencer(*pose_files, device='cuda')
    cpu = list(inferencer(CLIP_MP4, whole_frame=True))
    out = list(gpu(CLIP_MP4, whole_frame=True))
    for a, b in zip(cpu, out):
        np.testing.assert_allclose(a['predictions'][0][0]['keypoints'],
                                   b['predictions'][0][0]['keypoints'],
                                   atol=1e-2)
