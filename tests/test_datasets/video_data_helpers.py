# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Paths of the real sample files and small JSON helpers for the dataset
tests (imported by module name; conftest.py only holds fixtures)."""
import json
import os.path as osp

import numpy as np

DATA = osp.join(osp.dirname(osp.abspath(__file__)), '..', 'data')
PT18 = osp.join(DATA, 'posetrack18')
PT18_VAL = osp.join(PT18, 'annotations', 'test_posetrack18_val.json')
PT18_DET = osp.join(PT18, 'annotations',
                    'test_posetrack18_human_detections.json')
PT18_CLIP = osp.join(PT18, 'annotations', 'test_posetrack18_clip.json')
JHMDB = osp.join(DATA, 'jhmdb')
JHMDB_ANN = osp.join(JHMDB, 'test_jhmdb_sub1.json')
CONFIGS = osp.join(osp.dirname(osp.abspath(__file__)), '..', '..', 'configs',
                   '_base_', 'datasets')


def load_json(path: str):
    with open(path) as f:
        return json.load(f)


def write_json(path, obj) -> str:
    with open(path, 'w') as f:
        json.dump(obj, f)
    return str(path)


def dot_centroid(frame, ch: int):
    """Intensity-weighted centroid ``(x, y)`` of the dot drawn in channel
    ``ch`` of a ``(3, H, W)`` frame (the other channels dark), None if
    absent."""
    w = frame[ch].astype(np.float64) * (frame[ch] > 100)
    w *= frame[[c for c in range(3) if c != ch]].max(0) < 100
    if w.sum() < 255:
        return None
    ys, xs = np.mgrid[:w.shape[0], :w.shape[1]]
    return np.array([(w * xs).sum(), (w * ys).sum()]) / w.sum()
