# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Generate the whole synthetic dataset (frames and annotation files)."""
import os.path as osp
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Dict, List, Tuple

import cv2
import numpy as np

from .config import SPLITS, SyntheticConfig
from .figure import KEYPOINT_NAMES
from .video import render_video, video_rng
from .writer import (coco_file, detections, dump_json, video_entries,
                     video_name)


def _job(args: Tuple[SyntheticConfig, str, int, str]) -> List[Dict]:
    cfg, split, index, out_dir = args
    cv2.setNumThreads(1)
    frame_dir = osp.join(out_dir, 'images', split, video_name(split, index))
    return render_video(cfg, split, index, frame_dir)


def _render_all(cfg: SyntheticConfig, out_dir: str, workers: int,
                progress: bool) -> Dict[Tuple[str, int], List[Dict]]:
    """Render every video, in parallel when ``workers > 1``."""
    jobs = [(cfg, split, i, out_dir) for split in SPLITS
            for i in range(cfg.num_videos(split))]
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover
        tqdm = None
    wrap = (lambda it: tqdm(it, total=len(jobs), desc='videos')) \
        if progress and tqdm is not None else (lambda it: it)
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            results = list(wrap(pool.map(_job, jobs)))
    else:
        results = [_job(j) for j in wrap(jobs)]
    return {(j[1], j[2]): r for j, r in zip(jobs, results)}


def generate_dataset(out_dir: str, cfg: SyntheticConfig, workers: int = 1,
                     progress: bool = False) -> Dict:
    """Write the synthetic PoseTrack18-layout dataset to ``out_dir``.

    Args:
        out_dir (str): Dataset root (``images/`` and ``annotations/`` are
            created below it).
        cfg (SyntheticConfig): Generator settings (including the seed).
        workers (int): Worker processes; the output does not depend on it.
        progress (bool): Show a progress bar.

    Returns:
        dict: Summary per split: ``videos``, ``frames``, ``instances``,
        ``joints`` (annotated), ``occluded``, ``blurred``, ``clean`` (joint
        counts), ``blurred_frames``, and ``seconds`` for the whole run.
    """
    if workers < 1:
        raise ValueError(f'workers must be >= 1, got {workers}')
    start = time.time()
    W, H = cfg.image_size
    rendered = _render_all(cfg, out_dir, workers, progress)
    summary = {}
    ann_dir = osp.join(out_dir, 'annotations')
    for split in SPLITS:
        num = cfg.num_videos(split)
        images, anns, flags, blur, dets = [], [], {}, {}, []
        for i in range(num):
            v_imgs, v_anns, v_flags, v_blur = video_entries(
                split, i, rendered[(split, i)], W, H)
            images += v_imgs
            anns += v_anns
            flags.update(v_flags)
            blur.update(v_blur)
            if split != 'train':
                dump_json(coco_file(v_imgs, v_anns),
                          osp.join(ann_dir, split,
                                   f'{video_name(split, i)}.json'))
                dets += detections(video_rng(cfg.seed, split, i, stream=1),
                                   v_imgs, v_anns, v_flags, cfg.det_jitter,
                                   cfg.det_miss_prob, cfg.det_false_pos_rate)
        dump_json(coco_file(images, anns),
                  osp.join(ann_dir, f'posetrack18_{split}.json'))
        dump_json(dict(keypoint_names=list(KEYPOINT_NAMES), blur_length=blur,
                       annotations=flags),
                  osp.join(ann_dir, f'posetrack18_{split}_joint_flags.json'))
        if split != 'train':
            dump_json(dets, osp.join(
                ann_dir, f'posetrack18_{split}_human_detections.json'))
        summary[split] = _split_summary(num, images, anns, flags, blur)
    summary['seconds'] = round(time.time() - start, 2)
    return summary


def _split_summary(num: int, images: List[Dict], anns: List[Dict],
                   flags: Dict, blur: Dict) -> Dict:
    """Counts of videos, frames, instances and annotated joint kinds."""
    vis = np.array([np.array(a['keypoints']).reshape(-1, 3)[:, 2] > 0
                    for a in anns], bool).reshape(-1, 17)
    occ = np.array([[j['occluded'] for j in flags[str(a['id'])]]
                    for a in anns], bool).reshape(-1, 17) & vis
    blr = np.array([[j['blurred'] for j in flags[str(a['id'])]]
                    for a in anns], bool).reshape(-1, 17) & vis
    return dict(videos=num, frames=len(images), instances=len(anns),
                joints=int(vis.sum()), occluded=int(occ.sum()),
                blurred=int(blr.sum()), clean=int((vis & ~occ & ~blr).sum()),
                blurred_frames=int(sum(v > 0 for v in blur.values())))
