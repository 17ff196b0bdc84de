# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The video inferencer on ONNX Runtime: the same keypoints, tracks, JSON
and video as on PyTorch, on the real PoseTrack18 clip of tests/data."""
import importlib.util
import json
import os.path as osp

import numpy as np
import pytest
from apis_test_utils import CLIP_DIR, CLIP_MP4, count_video_frames

from fami_pose_mm.apis import VideoPoseInferencer

pytest.importorskip('onnxruntime')
pytestmark = pytest.mark.usefixtures('one_torch_thread')

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: two players of the real clip, boxes moving 10 px a frame (x, y, w, h)
PLAYERS = [[300, 100, 400, 550], [800, 150, 300, 500]]


@pytest.fixture(scope='module')
def boxes_file(tmp_path_factory):
    path = tmp_path_factory.mktemp('boxes') / 'players.json'
    dets = [dict(frame_index=t, score=0.9 - 0.1 * p, category_id=1,
                 bbox=[x + (10 * t if p == 0 else -10 * t), y, w, h])
            for t in range(5) for p, (x, y, w, h) in enumerate(PLAYERS)]
    path.write_text(json.dumps(dets))
    return str(path)


def _run(cfg, weights, backend, boxes_file, out_dir):
    inferencer = VideoPoseInferencer(cfg, weights, device='cpu',
                                     backend=backend)
    results = list(inferencer(
        CLIP_DIR, bboxes_file=boxes_file, return_datasamples=True,
        out_json=osp.join(out_dir, f'{backend}.json'),
        vis_out_dir=osp.join(out_dir, f'{backend}.mp4')))
    return inferencer, results


@pytest.mark.parametrize(
    'design', ['single_frame', 'clip', 'streaming', 'streaming_deconv'])
def test_same_keypoints_json_and_video(exports, boxes_file, tmp_path,
                                       design):
    cfg, ckpt, out_dir = exports[design]
    torch_run, want = _run(cfg, ckpt, 'pytorch', boxes_file, str(tmp_path))
    ort_run, got = _run(cfg, out_dir, 'onnxruntime', boxes_file,
                        str(tmp_path))
    assert type(ort_run.model).__name__ == 'OnnxPoseModel'
    assert ort_run.streaming == torch_run.streaming == (
        design.startswith('streaming'))
    assert len(got) == len(want) == 5
    for a, b in zip(want, got):
        pa, pb = (r['predictions'][0].pred_instances for r in (a, b))
        assert len(pb) == 2
        np.testing.assert_array_equal(pb.track_ids, pa.track_ids)
        np.testing.assert_array_equal(pb.bboxes, pa.bboxes)
        # heatmaps agree to ~1e-6: the same argmax, keypoints to float
        # rounding in 1280 x 720 frame pixels
        np.testing.assert_allclose(pb.keypoints, pa.keypoints, rtol=0,
                                   atol=1e-3)
        np.testing.assert_allclose(pb.keypoint_scores, pa.keypoint_scores,
                                   rtol=0, atol=1e-5)
        assert pa.keypoint_scores.max() > 0.05
    for key in ('frames', 'persons', 'backbone_crops', 'person_frames',
                'tracks'):
        assert ort_run.stats[key] == torch_run.stats[key], key
    # flip test on: two crops per person-frame when streaming, 2 x T on
    # the clip path
    crops = dict(single_frame=2, clip=6, streaming=2,
                 streaming_deconv=2)[design]
    assert ort_run.stats['backbone_crops'] == crops * 10
    json_a, json_b = (json.load(open(tmp_path / f'{b}.json'))
                      for b in ('pytorch', 'onnxruntime'))
    assert [im['file_name'] for im in json_b['images']] == \
        [im['file_name'] for im in json_a['images']]
    assert len(json_b['annotations']) == len(json_a['annotations']) == 10
    for ann_a, ann_b in zip(json_a['annotations'], json_b['annotations']):
        assert ann_b['track_id'] == ann_a['track_id']
        np.testing.assert_allclose(ann_b['keypoints'], ann_a['keypoints'],
                                   rtol=0, atol=1e-2)
    for backend in ('pytorch', 'onnxruntime'):
        assert count_video_frames(str(tmp_path / f'{backend}.mp4')) == (
            5, (1280, 720))


def test_demo_with_onnxruntime_backend(exports, tmp_path):
    """tools/demo/video_pose_demo.py --backend onnxruntime: the export
    folder as the checkpoint; JSON and video written."""
    cfg, _, out_dir = exports['clip']
    path = osp.join(ROOT, 'tools', 'demo', 'video_pose_demo.py')
    spec = importlib.util.spec_from_file_location('video_pose_demo', path)
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    out = str(tmp_path / 'out')
    stats = demo.main([CLIP_MP4, cfg, out_dir, '--backend', 'onnxruntime',
                       '--whole-frame', '--output-root', out, '--device',
                       'cpu'])
    assert stats['frames'] == 5 and stats['persons'] == 5
    pred = json.load(open(osp.join(out, '000001_mpiinew_test.json')))
    assert len(pred['annotations']) == 5
    assert count_video_frames(osp.join(out, '000001_mpiinew_test.mp4')) == (
        5, (1280, 720))
    with pytest.raises(SystemExit):
        demo.parse_args([CLIP_MP4, cfg, '--backend', 'onnxruntime',
                         '--whole-frame'])


def test_smoothing_on_onnxruntime(exports, boxes_file):
    """The track filter runs after the model: the same on both backends."""
    cfg, ckpt, out_dir = exports['streaming']
    got = {}
    for backend, weights in (('pytorch', ckpt), ('onnxruntime', out_dir)):
        inferencer = VideoPoseInferencer(cfg, weights, device='cpu',
                                         backend=backend)
        got[backend] = np.stack([
            r['predictions'][0].pred_instances.keypoints
            for r in inferencer(CLIP_DIR, bboxes_file=boxes_file,
                                return_datasamples=True, smooth='one_euro')
        ])
    np.testing.assert_allclose(got['onnxruntime'], got['pytorch'], rtol=0,
                               atol=1e-3)
