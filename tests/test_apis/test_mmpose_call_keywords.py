# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Each MMPose inferencer keyword of VideoPoseInferencer has its effect;
what cannot mean the same is refused with a clear error."""
import json
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from apis_test_utils import CLIP_DIR, save_det_files
from mmengine.structures import InstanceData
from mmpose.structures import PoseDataSample

from fami_pose_mm.apis import VideoPoseInferencer

#: (x, y) of the known pose's 17 keypoints: a circle of radius 200.
ANGLES = np.linspace(0, 2 * np.pi, 17, endpoint=False)
KPTS = np.stack([640 + 200 * np.cos(ANGLES), 360 + 200 * np.sin(ANGLES)], 1)
SCORES = np.where(np.arange(17) % 2 == 0, 0.9, 0.2)  # odd ones: 0.2
BOX = (400, 120, 880, 600)


@pytest.fixture(scope='module')
def plain(single_frame_pose_files):
    return VideoPoseInferencer(*single_frame_pose_files, device='cpu',
                               tracker=False)


@pytest.fixture
def known(plain, monkeypatch):
    """``plain`` predicting one known person in every frame (the
    visualizer reads the scores as ``keypoints_visible``, as the
    estimators set them)."""

    def predict(*args):
        sample = PoseDataSample(metainfo=dict(img_path='x/000000.jpg'))
        sample.pred_instances = InstanceData(
            keypoints=KPTS[None], keypoint_scores=SCORES[None],
            keypoints_visible=SCORES[None],
            bboxes=np.array([BOX], np.float32), bbox_scores=np.ones(1))
        return sample

    monkeypatch.setattr(plain, 'predict_window', predict)
    return plain


def _first_image(inferencer, **kwargs):
    run = inferencer(CLIP_DIR, whole_frame=True, return_vis=True, **kwargs)
    image = next(run)['visualization'][0]
    run.close()
    return image


RAW = cv2.imread(osp.join(CLIP_DIR, '000000.jpg'))[..., ::-1]


def test_kpt_thr_hides_keypoints(known):
    low = _first_image(known, kpt_thr=0.1, radius=6)
    high = _first_image(known, kpt_thr=0.5, radius=6)
    for k, (x, y) in enumerate(np.round(KPTS).astype(int)):
        assert (low[y, x] != RAW[y, x]).any()
        assert (high[y, x] != RAW[y, x]).any() == (SCORES[k] > 0.5)


def test_draw_bbox_and_black_background(known):
    x1, y1, x2, _ = BOX
    edge = (y1, slice(x1 + 20, x2 - 20))  # away from the keypoints
    boxed = _first_image(known, draw_bbox=True)
    plain_image = _first_image(known, draw_bbox=False)
    assert (boxed[edge] != RAW[edge]).any(1).all()
    np.testing.assert_array_equal(plain_image[edge], RAW[edge])
    black = _first_image(known, black_background=True)
    assert (black[:100, :100] == 0).all() and (RAW[:100, :100] > 0).any()
    assert (black[360, 840] != 0).any()  # keypoint 0 is drawn


def test_show_return_vis_and_datasamples(known, monkeypatch):
    shown = []
    monkeypatch.setattr(known.visualizer, 'show',
                        lambda image, **kw: shown.append(kw['wait_time']))
    results = list(known(CLIP_DIR, whole_frame=True, show=True,
                         wait_time=0.5))
    assert shown == [0.5] * 5
    assert [r['visualization'] for r in results] == [[]] * 5  # drawn only
    (sample, ) = next(known(CLIP_DIR, whole_frame=True,
                            return_datasamples=True))['predictions']
    assert isinstance(sample, PoseDataSample)
    np.testing.assert_allclose(sample.pred_instances.keypoints[0], KPTS)
    assert sample.pred_instances.track_ids.tolist() == [0]
    assert len(shown) == 5


@pytest.fixture
def detected(single_frame_pose_files, tmp_path, monkeypatch):
    """An inferencer whose detector finds boxes A (0.9), B (0.8, IoU 0.9
    with A) and C (0.25) in every frame."""
    import mmdet.apis
    from mmdet.structures import DetDataSample
    det_cfg, det_ckpt = save_det_files(str(tmp_path))
    boxes = torch.tensor([[100, 100, 300, 500], [110, 100, 310, 500],
                          [700, 100, 900, 500]], dtype=torch.float32)

    def detect(model, frame):
        result = DetDataSample()
        result.pred_instances = InstanceData(
            bboxes=boxes, scores=torch.tensor([0.9, 0.8, 0.25]),
            labels=torch.zeros(3, dtype=torch.long))
        return result

    monkeypatch.setattr(mmdet.apis, 'inference_detector', detect)
    return VideoPoseInferencer(*single_frame_pose_files, device='cpu',
                               det_model=det_cfg, det_weights=det_ckpt,
                               tracker=False)


def test_bbox_thr_and_nms_thr_select_the_detections(detected):
    frames = [cv2.imread(osp.join(CLIP_DIR, '000000.jpg'))] * 2

    def scores(**kwargs):
        result = next(detected(frames, **kwargs))
        return sorted(p['bbox_score'] for p in result['predictions'][0])

    assert scores() == pytest.approx([0.9])  # bbox_thr = nms_thr = 0.3
    assert scores(bbox_thr=0.2) == pytest.approx([0.25, 0.9])
    assert scores(bbox_thr=0.2, nms_thr=0.95) == pytest.approx(
        [0.25, 0.8, 0.9])


def test_batch_size_of_a_call(detected, monkeypatch):
    frames = [cv2.imread(osp.join(CLIP_DIR, '000000.jpg'))] * 2
    calls = []
    test_step = detected.model.test_step
    monkeypatch.setattr(detected.model, 'test_step',
                        lambda batch: calls.append(1) or test_step(batch))
    for batch_size, per_frame in ((None, 1), (1, 3), (2, 2)):
        calls.clear()
        list(detected(frames, batch_size=batch_size, bbox_thr=0.2,
                      nms_thr=0.95))
        assert len(calls) == 2 * per_frame
    with pytest.raises(ValueError, match='batch_size must be >= 1, got 0'):
        detected(frames, batch_size=0)


def test_refused_keywords_and_names(plain, single_frame_pose_files):
    with pytest.raises(ValueError, match=r'bboxes= \(an MMPose inferencer '
                       r'option\) is not supported .*bboxes_file'):
        plain(CLIP_DIR, whole_frame=True, bboxes=[[0, 0, 10, 10]])
    with pytest.raises(ValueError, match='skeleton_style= .*mmpose style'):
        plain(CLIP_DIR, whole_frame=True, skeleton_style='openpose')
    with pytest.raises(ValueError, match='unknown keyword colour='):
        plain(CLIP_DIR, whole_frame=True, colour='red')
    config, weights = single_frame_pose_files
    with pytest.raises(ValueError, match='either model or pose2d, not'):
        VideoPoseInferencer(config, pose2d=config)
    with pytest.raises(ValueError, match='either weights or pose2d_weights'):
        VideoPoseInferencer(pose2d=config, weights=weights,
                            pose2d_weights=weights)
    with pytest.raises(ValueError, match='no pose model'):
        VideoPoseInferencer()


def test_whole_image_detector_and_one_array(single_frame_pose_files,
                                            tmp_path):
    inferencer = VideoPoseInferencer(*single_frame_pose_files, device='cpu',
                                     det_model='whole_image')
    frame = cv2.imread(osp.join(CLIP_DIR, '000000.jpg'))
    (result, ) = list(inferencer(frame))  # one array: one frame
    (person, ) = result['predictions'][0]
    np.testing.assert_allclose(person['bbox'], [[0, 0, 1280, 720]])
    boxes = tmp_path / 'boxes.json'  # a boxes file replaces the frame
    boxes.write_text(json.dumps([dict(frame_index=0, score=0.9,
                                      bbox=[100, 50, 200, 400])]))
    (result, ) = list(inferencer(frame, bboxes_file=str(boxes)))
    np.testing.assert_allclose(result['predictions'][0][0]['bbox'],
                               [[100, 50, 300, 450]])
