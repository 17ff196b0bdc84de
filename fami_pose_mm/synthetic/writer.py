# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Annotation files in the PoseTrack18 layout.

Writes, under ``OUT_DIR/annotations/``:

* ``posetrack18_{split}.json``: COCO-style, field by field like PoseTrack18;
* ``{split}/<video>.json`` (``val`` and ``test``): the official per-video
  ground truth (every frame);
* ``posetrack18_{split}_human_detections.json`` (``val`` and ``test``):
  noisy detector boxes;
* ``posetrack18_{split}_joint_flags.json``: per annotation and joint,
  ``{"occluded": bool, "blurred": bool}``.
"""
import json
import os
import os.path as osp
from typing import Dict, List

import numpy as np

from .figure import KEYPOINT_NAMES

CATEGORIES = [dict(
    supercategory='person', id=1, name='person',
    keypoints=list(KEYPOINT_NAMES),
    skeleton=[[16, 14], [14, 12], [17, 15], [15, 13], [12, 13], [6, 12],
              [7, 13], [6, 7], [6, 8], [7, 9], [8, 10], [9, 11], [2, 3],
              [1, 2], [1, 3], [2, 4], [3, 5], [4, 6], [5, 7]])]
_VID_BASE = {'train': 1, 'val': 100001, 'test': 200001}


def video_name(split: str, index: int) -> str:
    """``'<6-digit video number>_synthetic_<split>'``."""
    return f'{_VID_BASE[split] + index:06d}_synthetic_{split}'


def image_id(split: str, index: int, frame: int) -> int:
    """PoseTrack18-style id: ``1`` + 6-digit video number + 4-digit frame."""
    return 10_000_000_000 + (_VID_BASE[split] + index) * 10_000 + frame


def _r(values, nd: int = 2) -> list:
    return [round(float(v), nd) for v in np.asarray(values).ravel()]


def video_entries(split: str, index: int, frames: List[Dict],
                  width: int, height: int):
    """COCO ``images`` and ``annotations`` entries and joint flags of a video.

    Returns:
        tuple: images (list), annotations (list), flags (dict keyed by the
        annotation id as a string), blur (dict image id -> blur length).
    """
    name, nframes = video_name(split, index), len(frames)
    images, anns, flags, blur = [], [], {}, {}
    for t, frame in enumerate(frames):
        img_id = image_id(split, index, t)
        images.append(dict(
            has_no_densepose=True, is_labeled=True,
            file_name=f'images/{split}/{name}/{t:06d}.jpg', nframes=nframes,
            frame_id=img_id, vid_id=name[:6], ignore_regions_y=[],
            ignore_regions_x=[], id=img_id, width=width, height=height,
            mask_file=f'mask/{split}/{name}/{t:06d}.jpg'))
        blur[str(img_id)] = int(frame['blur_length'])
        for person in frame['persons']:
            ann_id = img_id * 100 + person['track_id']
            kps = person['keypoints']
            bbox = _r(person['bbox'])
            anns.append(dict(
                bbox_head=[int(v) for v in person['bbox_head']],
                keypoints=_r(kps), track_id=int(person['track_id']),
                image_id=img_id, bbox=bbox, scores=[], category_id=1,
                id=ann_id, iscrowd=False,
                num_keypoints=int((kps[:, 2] > 0).sum()),
                area=round(bbox[2] * bbox[3], 2)))
            flags[str(ann_id)] = [
                dict(occluded=bool(o), blurred=bool(b))
                for o, b in zip(person['occluded'], person['blurred'])]
    return images, anns, flags, blur


def detections(rng: np.random.Generator, images: List[Dict],
               anns: List[Dict], flags: Dict, jitter: float,
               miss_prob: float, false_pos_rate: float) -> List[Dict]:
    """Noisy person detections for one video's frames.

    True boxes get a centre shift and a log-scale change of ``jitter`` of
    their size (std) and a score in [0.3, 1.0] that drops with the share of
    occluded/blurred joints; ``miss_prob`` of them are dropped; a Poisson
    number (mean ``false_pos_rate``) of false boxes per frame score 0.3-0.55.
    """
    by_image = {}
    for a in anns:
        by_image.setdefault(a['image_id'], []).append(a)
    out = []
    for img in images:
        W, H = img['width'], img['height']
        dets = []
        for a in by_image.get(img['id'], []):
            if rng.random() < miss_prob:
                continue
            x, y, w, h = a['bbox']
            cx, cy = x + w * (0.5 + rng.normal(0, jitter)), y + h * (
                0.5 + rng.normal(0, jitter))
            w, h = w * np.exp(rng.normal(0, jitter)), h * np.exp(
                rng.normal(0, jitter))
            f = flags[str(a['id'])]
            hard = np.mean([j['occluded'] or j['blurred'] for j in f])
            score = rng.uniform(0.8, 1.0) - 0.4 * hard - 0.15 * (
                a['num_keypoints'] < 8)
            dets.append((cx - w / 2, cy - h / 2, w, h, score))
        for _ in range(rng.poisson(false_pos_rate)):
            h = rng.uniform(0.25, 0.7) * H
            w = h * rng.uniform(0.3, 0.7)
            dets.append((rng.uniform(0, W - w), rng.uniform(0, H - h), w, h,
                         rng.uniform(0.3, 0.55)))
        for x, y, w, h, s in sorted(dets, key=lambda d: -d[4]):
            x0, y0 = np.clip([x, y], 0, [W - 1, H - 1])
            x1, y1 = np.clip([x + w, y + h], 0, [W, H])
            out.append(dict(bbox=_r([x0, y0, x1 - x0, y1 - y0], 3),
                            category_id=1, image_id=img['id'],
                            score=round(float(np.clip(s, 0.3, 1.0)), 4)))
    return out


def dump_json(obj, path: str) -> None:
    """Write ``obj`` as compact JSON (deterministic key order)."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(obj, f, separators=(',', ':'))


def coco_file(images: List[Dict], anns: List[Dict]) -> Dict:
    """The COCO-style dict in the key order of PoseTrack18 files."""
    return dict(categories=CATEGORIES, images=images, annotations=anns)
