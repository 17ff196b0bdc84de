# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Tiny pose/detector configs, checkpoints and videos for the API tests."""
import json
import os.path as osp

import cv2
import numpy as np
import torch
from mmengine.config import Config

from fami_pose_mm.testing import tiny_model
from fami_pose_mm.utils.crop_modes import own_crop_pipeline

DATA = osp.join(osp.dirname(osp.dirname(__file__)), 'data')
CLIP_DIR = osp.join(DATA, 'videos', '000001_mpiinew_test')
CLIP_MP4 = osp.join(CLIP_DIR, '000001_mpiinew_test.mp4')


def fami_available() -> bool:
    """Whether the multi-frame estimator is registered."""
    from mmpose.registry import MODELS

    import fami_pose_mm.plugin  # noqa: F401
    return MODELS.get('VideoTopdownPoseEstimator') is not None


def tiny_pose_config(frame_offsets=(-1, 1), multi_frame=None) -> Config:
    """The tiny pose config of ``fami_pose_mm.testing``; multi-frame FAMI
    when the model exists."""
    if multi_frame is None:
        multi_frame = fami_available()
    return Config(tiny_model.tiny_pose_config(frame_offsets, multi_frame))


def save_pose_checkpoint(cfg: Config, path: str) -> str:
    """Seeded random weights of ``cfg.model`` saved as an mmengine file."""
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS

    import fami_pose_mm.plugin  # noqa: F401
    init_default_scope('mmpose')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)
    return path


def tiny_det_config() -> Config:
    """A one-class RetinaNet, ResNet-18 of 8 base channels, 96x160 input."""
    return Config(dict(
        default_scope='mmdet',
        model=dict(
            type='RetinaNet',
            data_preprocessor=dict(
                type='DetDataPreprocessor', mean=[123.675, 116.28, 103.53],
                std=[58.395, 57.12, 57.375], bgr_to_rgb=True,
                pad_size_divisor=32),
            backbone=dict(type='ResNet', depth=18, base_channels=8,
                          stem_channels=8, out_indices=(1, 2, 3),
                          norm_cfg=dict(type='BN')),
            neck=dict(type='FPN', in_channels=[16, 32, 64], out_channels=16,
                      start_level=0, add_extra_convs='on_input',
                      num_outs=5),
            bbox_head=dict(
                type='RetinaHead', num_classes=1, in_channels=16,
                stacked_convs=1, feat_channels=16,
                anchor_generator=dict(
                    type='AnchorGenerator', octave_base_scale=4,
                    scales_per_octave=1, ratios=[0.5, 1.0, 2.0],
                    strides=[8, 16, 32, 64, 128]),
                bbox_coder=dict(type='DeltaXYWHBBoxCoder',
                                target_means=[.0, .0, .0, .0],
                                target_stds=[1.0, 1.0, 1.0, 1.0]),
                loss_cls=dict(type='FocalLoss', use_sigmoid=True),
                loss_bbox=dict(type='L1Loss')),
            test_cfg=dict(nms_pre=50, min_bbox_size=0, score_thr=0.05,
                          nms=dict(type='nms', iou_threshold=0.5),
                          max_per_img=3)),
        test_dataloader=dict(dataset=dict(type='CocoDataset', pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='Resize', scale=(160, 96), keep_ratio=True),
            dict(type='PackDetInputs',
                 meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                            'scale_factor'))
        ]))))


def save_det_files(tmp_dir: str, cls_bias: float = 0.0) -> tuple:
    """Write the tiny detector config and seeded weights.

    ``cls_bias`` sets every class logit bias: 0 gives scores near 0.5
    (boxes above the default threshold), -20 gives no detection.
    """
    import mmdet.models  # noqa: F401
    from mmdet.registry import MODELS
    from mmengine.registry import DefaultScope
    cfg = tiny_det_config()
    cfg_path = osp.join(tmp_dir, 'tiny_retinanet.py')
    cfg.dump(cfg_path)
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmdet'):
        model = MODELS.build(cfg.model)
    state = model.state_dict()
    state['bbox_head.retina_cls.bias'].fill_(cls_bias)
    ckpt = osp.join(tmp_dir, 'tiny_retinanet.pth')
    torch.save(dict(state_dict=state, meta=dict()), ckpt)
    return cfg_path, ckpt


def write_synthetic_video(path: str, num_frames: int = 7,
                          size=(96, 64), fps: float = 10.0,
                          fourcc: str = 'mp4v') -> str:
    """A moving bright rectangle on noise, written with cv2.VideoWriter."""
    rng = np.random.default_rng(0)
    width, height = size
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*fourcc), fps,
                             (width, height))
    for t in range(num_frames):
        frame = rng.integers(0, 60, (height, width, 3), dtype=np.uint8)
        frame[10:50, 20 + 4 * t:40 + 4 * t] = 220
        writer.write(frame)
    writer.release()
    return path


def count_video_frames(path: str) -> tuple:
    """(frame count by sequential decoding, width, height) of a video."""
    capture = cv2.VideoCapture(path)
    count, shape = 0, None
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        count, shape = count + 1, frame.shape
    capture.release()
    return count, (shape[1], shape[0]) if shape else (0, 0)


def mjpeg_video(path, num_frames=8):
    """Write an MJPEG video (frames as in :func:`write_synthetic_video`);
    return its bytes and the offset of each frame's JPEG in them."""
    write_synthetic_video(str(path), num_frames, fourcc='MJPG')
    data = bytearray(path.read_bytes())
    starts = [i for i in range(len(data) - 2)
              if data[i:i + 3] == b'\xff\xd8\xff']
    assert len(starts) == num_frames
    return data, starts


def corrupt_video_frame(path, index, num_frames=8):
    """Write an MJPEG video whose frame ``index`` cannot be decoded."""
    data, starts = mjpeg_video(path, num_frames)
    data[starts[index]:starts[index] + 600] = bytes(600)
    path.write_bytes(data)
    return str(path)


def crossing_people(num_frames: int = 15) -> np.ndarray:
    """Boxes of two people walking toward and past each other.

    Person 0 walks right from x = 20, person 1 left from x = 250, 16 px a
    frame, 50 x 120 boxes 20 px apart vertically: they overlap most at
    frames 6-8 of a 320 x 240 frame.

    Returns:
        np.ndarray: (T, 2, 4) ``x1, y1, x2, y2`` per frame and person.
    """
    t = np.arange(num_frames, dtype=np.float32)
    x0, x1 = 20 + 16 * t, 250 - 16 * t
    boxes = np.zeros((num_frames, 2, 4), np.float32)
    boxes[:, 0] = np.stack([x0, 60 + 0 * t, x0 + 50, 180 + 0 * t], 1)
    boxes[:, 1] = np.stack([x1, 80 + 0 * t, x1 + 50, 200 + 0 * t], 1)
    return boxes


def crossing_frames(boxes: np.ndarray, size=(320, 240)) -> list:
    """BGR frames (H, W, 3) of noise with each person a coloured block."""
    rng = np.random.default_rng(0)
    width, height = size
    colors = [(40, 40, 230), (230, 120, 30)]
    frames = []
    for people in boxes:
        frame = rng.integers(0, 60, (height, width, 3), dtype=np.uint8)
        for (x1, y1, x2, y2), color in zip(people.astype(int), colors):
            frame[y1:y2, x1:x2] = color
        frames.append(frame)
    return frames


def write_boxes_file(path: str, boxes: np.ndarray, scores=0.9,
                     seed: int = 0, present=None) -> str:
    """A boxes JSON (``frame_index``, ``bbox`` xywh, ``score``) of (T, P, 4)
    boxes, the people in a random order in every frame; ``present`` (T, P)
    bool leaves out the boxes where it is False."""
    rng = np.random.default_rng(seed)
    scores = np.broadcast_to(np.asarray(scores, np.float32),
                             boxes.shape[:2])
    if present is None:
        present = np.ones(boxes.shape[:2], bool)
    dets = []
    for t, people in enumerate(boxes):
        for p in rng.permutation(len(people)):
            if not present[t, p]:
                continue
            x1, y1, x2, y2 = (float(v) for v in people[p])
            dets.append(dict(frame_index=t, bbox=[x1, y1, x2 - x1, y2 - y1],
                             score=float(scores[t, p]), category_id=1))
    with open(path, 'w') as f:
        json.dump(dets, f)
    return path


def person_of(box, boxes_t: np.ndarray) -> int:
    """Which of the frame's people (P, 4) ``box`` (x1, y1, x2, y2) is."""
    dist = np.abs(boxes_t - np.asarray(box, np.float32)[None, :4]).max(1)
    assert dist.min() < 1e-2, (box, boxes_t)
    return int(dist.argmin())


def tiny_own_pose_config(frame_offsets=(-2, -1, 1, 2),
                         flip_test=True) -> Config:
    """The tiny FAMI config with ``crop_mode='own'``: the clip variants of
    the box and affine steps (each frame cropped with its own box when a
    sample has ``frame_bboxes``) and ``frame_warp_mats`` packed."""
    cfg = tiny_pose_config(frame_offsets, multi_frame=True)
    cfg.model.crop_mode = 'own'
    cfg.model.test_cfg = dict(flip_test=flip_test, flip_mode='heatmap',
                              shift_heatmap=True)
    pipeline = []
    for step in own_crop_pipeline(cfg.test_dataloader.dataset.pipeline):
        if step['type'] == 'PackPoseInputs':
            step['meta_keys'] = tuple(step['meta_keys']) + (
                'frame_warp_mats', )
        pipeline.append(step)
    for loader in ('train_dataloader', 'test_dataloader'):
        cfg[loader].dataset.pipeline = pipeline
        cfg[loader].dataset.crop_mode = 'own'
    return cfg
