# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Prediction frames are paired with ground-truth frames by image id (or
file name), not by position; files of another video are refused."""
import copy
import json
import os.path as osp

import numpy as np
import pytest

from fami_pose_mm.evaluation.functional import (evaluate_posetrack,
                                                evaluate_tracking,
                                                load_posetrack18_folders)
from fami_pose_mm.fileio import pair_frames
from fami_pose_mm.fileio.posetrack_json import load_posetrack18_video

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
GT_DIR = osp.join(ROOT, 'data', 'posetrack18', 'annotations', 'val')


def _three_frames(name: str, shift: float) -> dict:
    """An official one-frame video made three frames long: frame k is the
    annotated frame moved by ``k * 40`` (+ ``shift``) pixels, so that
    frames paired wrongly miss every joint."""
    with open(osp.join(GT_DIR, name)) as f:
        video = json.load(f)
    image, anns = video['images'][0], video['annotations']
    video['images'], video['annotations'] = [], []
    for k in range(3):
        frame = dict(image, id=image['id'] + k,
                     file_name=image['file_name'].replace(
                         '000000', f'{k:06d}'))
        frame.pop('ignore_regions_x', None)
        frame.pop('ignore_regions_y', None)
        video['images'].append(frame)
        for ann in anns:
            ann = copy.deepcopy(ann)
            ann['image_id'] = frame['id']
            ann['id'] = ann['id'] * 10 + k
            kpts = np.array(ann['keypoints'], float).reshape(-1, 3)
            kpts[kpts[:, 2] > 0, :2] += k * 40 + shift
            ann['keypoints'] = kpts.ravel().tolist()
            if 'bbox_head' in ann:
                ann['bbox_head'][0] += k * 40 + shift
                ann['bbox_head'][1] += k * 40 + shift
            video['annotations'].append(ann)
    return video


def _folders(tmp_path, change=lambda name, video: video):
    """Ground truth of two three-frame videos and a perfect prediction,
    edited by ``change(name, prediction)``."""
    (tmp_path / 'gt').mkdir(parents=True)
    (tmp_path / 'pred').mkdir()
    videos = {name: _three_frames(name, shift)
              for name, shift in (('012834_mpii_test.json', 0),
                                  ('009473_mpii_test.json', 7))}
    for name, video in videos.items():
        (tmp_path / 'gt' / name).write_text(json.dumps(video))
        pred = copy.deepcopy(video)
        for ann in pred['annotations']:
            ann['scores'] = [0.9] * 17
        (tmp_path / 'pred' / name).write_text(
            json.dumps(change(name, pred)))
    return str(tmp_path / 'gt'), str(tmp_path / 'pred')


def _scores(gt_dir, pred_dir):
    gts, preds, _ = load_posetrack18_folders(gt_dir, pred_dir, tracking=True)
    return (evaluate_posetrack(gts, preds)['summary']['Total'],
            evaluate_tracking(gts, preds)['summary']['Total'])


def test_images_listed_in_another_order_score_as_in_order(tmp_path):
    ap, mota = _scores(*_folders(tmp_path))
    assert ap == 100.0 and mota == 100.0

    def reverse(name, video):
        video['images'].reverse()
        return video

    gt_dir, pred_dir = _folders(tmp_path / 'reversed', reverse)
    assert _scores(gt_dir, pred_dir) == (ap, mota)
    # paired by position (as poseval pairs), the same file scores far less
    gts, preds = [], []
    for name in ('009473_mpii_test.json', '012834_mpii_test.json'):
        gts += load_posetrack18_video(osp.join(gt_dir, name), True)
        preds += load_posetrack18_video(osp.join(pred_dir, name), False)
    assert evaluate_posetrack(gts, preds)['summary']['Total'] < 50


def test_ids_that_differ_are_paired_by_file_name(tmp_path):

    def renumber(name, video):
        new = {image['id']: 900 + k for k, image in enumerate(
            video['images'])}
        for image in video['images']:
            image['id'] = new[image['id']]
        for ann in video['annotations']:
            ann['image_id'] = new[ann['image_id']]
        video['images'].reverse()
        return video

    assert _scores(*_folders(tmp_path, renumber)) == (100.0, 100.0)


def test_another_videos_file_is_refused(tmp_path):
    gt_dir, pred_dir = _folders(tmp_path)
    a, b = (osp.join(pred_dir, n) for n in ('012834_mpii_test.json',
                                            '009473_mpii_test.json'))
    content_a, content_b = open(a).read(), open(b).read()
    open(a, 'w').write(content_b)
    open(b, 'w').write(content_a)
    # paired by position, the swapped files scored AP 0 without a word
    with pytest.raises(ValueError, match='009473_mpii_test.json: its frames '
                       'are not those of .*009473_mpii_test.json '
                       r'\(ground-truth image id 10094730000 is not in the '
                       'prediction, prediction image id 10128340000 is not '
                       r'in the ground truth; 3 of 3 frames unmatched\)'):
        load_posetrack18_folders(gt_dir, pred_dir)


def test_a_frame_of_another_id_and_name_is_refused(tmp_path):

    def rename_last(name, video):
        video['images'][-1]['file_name'] = 'images/val/other/000002.jpg'
        old = video['images'][-1]['id']
        video['images'][-1]['id'] = 5
        for ann in video['annotations']:
            if ann['image_id'] == old:
                ann['image_id'] = 5
        return video

    with pytest.raises(ValueError, match=r'ground-truth image id '
                       r'10094730002 is not in the prediction, prediction '
                       r'image id 5 is not in the ground truth; 1 of 3 '
                       'frames unmatched'):
        load_posetrack18_folders(*_folders(tmp_path, rename_last))


def test_annolist_frames_pair_by_name():
    gt = load_posetrack18_video(_three_frames('012834_mpii_test.json', 0),
                                True, 'g.json')
    pred = [
        copy.copy(gt[k]) for k in (2, 0, 1)
    ]
    for frame in pred:
        frame.image_id = None  # as read from an annolist file
    paired = pair_frames(gt, pred, 'g.json', 'p.json')
    assert [f.file_name for f in paired] == [f.file_name for f in gt]
    with pytest.raises(ValueError, match='p.json: 2 prediction frames but 3 '
                       'ground-truth frames in g.json'):
        pair_frames(gt, pred[:2], 'g.json', 'p.json')


def test_inferencer_files_pair_by_video_and_frame(tmp_path):
    """The video inferencer numbers frames from 0 and names them
    ``<video>/<frame>``; the ground truth says ``images/val/<video>/...``."""

    def as_inferencer_writes(name, video):
        new = {}
        for k, image in enumerate(video['images']):
            new[image['id']] = k
            image['id'] = k
            image['file_name'] = '/'.join(image['file_name'].split('/')[-2:])
        for ann in video['annotations']:
            ann['image_id'] = new[ann['image_id']]
        video['images'].reverse()
        return video

    scores = _scores(*_folders(tmp_path, as_inferencer_writes))
    assert scores == (100.0, 100.0)
