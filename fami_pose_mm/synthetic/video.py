# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Render one synthetic video: frames on disk, per-frame person records.

Order of operations per frame (scene coordinates until the camera warp):
background -> figures (back to front) -> occluders -> occlusion flags from
the owner map -> camera-shake warp of the frame and the joints -> optional
linear motion blur -> sensor noise -> JPEG.
"""
import os
import os.path as osp
from typing import Dict, List, Optional

import cv2
import numpy as np

from .config import SyntheticConfig
from .degrade import (add_noise, apply_motion_blur, blur_params,
                      camera_shake, occlusion_flags, transform_points,
                      warp_frame)
from .figure import UNANNOTATED, FigureSpec, figure_joints, sample_figure
from .motion import MOTION_KINDS, MotionClip
from .occluders import sample_occluders
from .render import draw_figure, make_background

# Seed-sequence code of each split: changing one re-draws every video in it.
SPLIT_CODES = {'train': 1, 'val': 2, 'test': 3}


def video_rng(seed: int, split: str, index: int,
              stream: int = 0) -> np.random.Generator:
    """The random generator of one video (independent of the video count)."""
    return np.random.default_rng(
        np.random.SeedSequence([seed, SPLIT_CODES[split], index, stream]))


def _sample_clips(rng: np.random.Generator, cfg: SyntheticConfig, num: int):
    """Figures and motions spread across the frame width."""
    W, H = cfg.image_size
    F = cfg.frames_per_video
    specs, clips = [], []
    for p in range(num):
        height = rng.uniform(*cfg.person_height_range) * H
        spec = sample_figure(rng, height)
        kind = MOTION_KINDS[int(rng.integers(len(MOTION_KINDS)))]
        x0 = (p + rng.uniform(0.3, 0.7)) / num * W
        ground = rng.uniform(0.8, 0.97) * H
        start = np.array([x0, ground - 0.46 * height])
        if kind == 'walk':
            speed = rng.uniform(0.8, 2.5) * height / 150 * rng.choice([-1, 1])
            end = np.clip(x0 + speed * (F - 1), 0.1 * W, 0.9 * W)
            vx = (end - x0) / max(F - 1, 1)
            vx = vx if abs(vx) > 0.2 else 0.2 * np.sign(speed)
        else:
            vx = rng.uniform(-0.3, 0.3)
        specs.append(spec)
        clips.append(
            MotionClip(kind, height, start, np.array([vx, 0.0]), rng,
                       cfg.motion_period_range))
    return specs, clips


def render_video(cfg: SyntheticConfig, split: str, index: int,
                 frame_dir: str) -> List[Dict]:
    """Render and write the frames of one video; return its labels.

    Args:
        cfg (SyntheticConfig): Generator settings.
        split (str): ``'train'``, ``'val'`` or ``'test'``.
        index (int): Video index within the split.
        frame_dir (str): Folder receiving ``%06d.jpg`` frames.

    Returns:
        list[dict]: One dict per frame: ``blur_length`` (int, 0 = sharp)
        and ``persons``, a list of dicts with ``track_id``, ``keypoints``
        (17, 3) float array (scene visibility 1, 0 outside the image or
        unannotated), ``bbox`` (4,) xywh, ``bbox_head`` (4,) int xywh,
        ``occluded`` (17,) bool, ``blurred`` (17,) bool.
    """
    if split not in SPLIT_CODES:
        raise ValueError(f'split must be one of {sorted(SPLIT_CODES)}, '
                         f'got {split!r}')
    rng = video_rng(cfg.seed, split, index)
    W, H = cfg.image_size
    F = cfg.frames_per_video
    background = make_background(rng, W, H)
    num = int(rng.integers(cfg.persons_range[0], cfg.persons_range[1] + 1))
    specs, clips = _sample_clips(rng, cfg, num)
    order = np.argsort([c.start[1] + 0.46 * c.height for c in clips],
                       kind='stable')                  # far (high) first
    states = [[clip.at(t) for clip in clips] for t in range(F)]
    joints = [[figure_joints(s, *st) for s, st in zip(specs, row)]
              for row in states]
    centres = np.array([[j['keypoints'].mean(0) for j in row] for row in joints])
    occluders = sample_occluders(
        rng, centres, float(np.mean([s.height for s in specs])),
        int(rng.integers(cfg.occluders_range[0], cfg.occluders_range[1] + 1)),
        F, cfg.occluder_speed_range, cfg.occluder_size_range)
    mats = camera_shake(rng, F, W, H, cfg.shake_trans_std, cfg.shake_rot_std,
                        cfg.shake_zoom_std)
    os.makedirs(frame_dir, exist_ok=True)
    frames = []
    for t in range(F):
        img, owner = background.copy(), np.zeros((H, W), np.uint8)
        for p in order:
            draw_figure(img, owner, specs[p], joints[t][p], states[t][p][2],
                        int(p) + 1)
        for occ in occluders:
            occ.paste(img, owner, t)
        img = warp_frame(img, mats[t])
        blur_len, blur_ang = blur_params(rng, cfg.blur_prob,
                                         cfg.blur_length_range)
        if blur_len:
            img = apply_motion_blur(img, blur_len, blur_ang)
        img = add_noise(rng, img, cfg.noise_std)
        cv2.imwrite(osp.join(frame_dir, f'{t:06d}.jpg'), img,
                    [cv2.IMWRITE_JPEG_QUALITY, cfg.jpeg_quality])
        persons = []
        for p in range(num):
            rec = _person_record(joints[t][p], specs[p], owner, mats[t], p,
                                 W, H, blur_len > 0)
            if rec is not None:
                persons.append(rec)
        frames.append(dict(blur_length=blur_len, persons=persons))
    return frames


def _person_record(joint: Dict, spec: FigureSpec, owner: np.ndarray,
                   mat: np.ndarray, p: int, W: int, H: int,
                   blurred: bool) -> Optional[Dict]:
    """Labels of one figure in one frame (None when fully out of view)."""
    scene = joint['keypoints']
    occluded = occlusion_flags(owner, scene, p + 1)
    pts = transform_points(scene, mat)
    inside = (pts[:, 0] >= 0) & (pts[:, 0] <= W - 1) & (pts[:, 1] >= 0) & (
        pts[:, 1] <= H - 1)
    inside[list(UNANNOTATED)] = False
    if not inside.any():
        return None
    kps = np.zeros((len(pts), 3))
    kps[inside, :2] = pts[inside]
    kps[inside, 2] = 1
    occluded[list(UNANNOTATED)] = False
    blur = np.full(len(pts), blurred)
    blur[list(UNANNOTATED)] = False
    rx, ry = spec.head_radii
    c, (hlat, hup) = joint['head_center'], joint['head_axes']
    corners = np.array([c + sx * rx * hlat + sy * ry * hup
                        for sx in (-1, 1) for sy in (-1, 1)])
    head = transform_points(corners, mat)
    hx0, hy0 = np.floor(head.min(0))
    hx1, hy1 = np.ceil(head.max(0))
    extent = transform_points(np.concatenate([scene, corners]), mat)
    pad = 0.7 * spec.limb_width * np.sqrt(abs(np.linalg.det(mat[:, :2])))
    x0, y0 = np.clip(extent.min(0) - pad, 0, [W, H])
    x1, y1 = np.clip(extent.max(0) + pad, 0, [W, H])
    return dict(track_id=p, keypoints=kps,
                bbox=np.array([x0, y0, x1 - x0, y1 - y0]),
                bbox_head=np.array([hx0, hy0, hx1 - hx0, hy1 - hy0], int),
                occluded=occluded, blurred=blur)
