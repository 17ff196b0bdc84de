# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Time loading a PoseTrack-val-sized annotation file.

Generates a synthetic COCO-style PoseTrack18 file (default 170 videos x 30
labelled frames x 10 people = 51,000 person instances, about the size of
PoseTrack18 val), builds ``PoseTrackVideoDataset`` on it (annotations only,
no images are read) and prints the time. ``--compare-mmpose`` also times
mmpose's ``PoseTrack18VideoDataset`` on the same file.

Usage::

    python tools/analysis/benchmark_dataset_loading.py [--videos 170]
        [--frames 30] [--people 10] [--compare-mmpose]
"""
import warnings

warnings.filterwarnings(  # mmengine imports pkg_resources: hide only that
    'ignore', message='pkg_resources is deprecated as an API',
    category=UserWarning)

import argparse
import json
import os.path as osp
import sys
import tempfile
import time

import numpy as np

# run from a checkout without installing: make the package importable
sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))


def make_annotation_file(path: str, videos: int, frames: int,
                         people: int, seed: int = 0) -> int:
    """Write a synthetic annotation file; returns the instance count."""
    rng = np.random.default_rng(seed)
    images, anns = [], []
    for v in range(videos):
        for f in range(frames):
            img_id = 10**10 + v * 10**4 + f * 4
            images.append(dict(
                id=img_id, frame_id=img_id, vid_id=f'{v:06d}',
                file_name=f'images/val/{v:06d}_bench/{f * 4:06d}.jpg',
                nframes=frames * 4, is_labeled=True, width=1920,
                height=1080, ignore_regions_x=[], ignore_regions_y=[]))
            for p in range(people):
                x, y = rng.uniform(0, 1700), rng.uniform(0, 800)
                kpts = np.stack([x + rng.uniform(0, 200, 17),
                                 y + rng.uniform(0, 250, 17),
                                 np.ones(17)], axis=1)
                anns.append(dict(
                    id=img_id * 100 + p, image_id=img_id, category_id=1,
                    track_id=p, bbox=[x, y, 200.0, 250.0],
                    keypoints=kpts.round(2).ravel().tolist(),
                    num_keypoints=17, iscrowd=False))
    with open(path, 'w') as f:
        json.dump(dict(images=images, annotations=anns,
                       categories=[dict(id=1, name='person')]), f)
    return len(anns)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--videos', type=int, default=170)
    parser.add_argument('--frames', type=int, default=30)
    parser.add_argument('--people', type=int, default=10)
    parser.add_argument('--compare-mmpose', action='store_true')
    args = parser.parse_args()

    import fami_pose_mm.plugin  # noqa: F401  (registers the dataset)
    from fami_pose_mm.datasets import PoseTrackVideoDataset

    with tempfile.TemporaryDirectory() as tmp:
        ann_file = osp.join(tmp, 'posetrack_val_bench.json')
        t0 = time.perf_counter()
        n = make_annotation_file(ann_file, args.videos, args.frames,
                                 args.people)
        t_gen = time.perf_counter() - t0
        mb = osp.getsize(ann_file) / 2**20
        print(f'generated {n} person instances ({mb:.1f} MB) in '
              f'{t_gen:.1f} s')

        t0 = time.perf_counter()
        ds = PoseTrackVideoDataset(ann_file=ann_file, test_mode=True)
        t_ours = time.perf_counter() - t0
        print(f'PoseTrackVideoDataset: {len(ds)} samples loaded in '
              f'{t_ours:.2f} s')
        rows = [('PoseTrackVideoDataset', len(ds), t_ours)]

        if args.compare_mmpose:
            from mmpose.datasets import PoseTrack18VideoDataset
            t0 = time.perf_counter()
            ref = PoseTrack18VideoDataset(
                ann_file=ann_file, frame_sampler_mode='fixed',
                frame_indices=[-2, -1, 0, 1, 2],
                frame_weights=[0.2] * 5, test_mode=True)
            rows.append(('mmpose PoseTrack18VideoDataset', len(ref),
                         time.perf_counter() - t0))

    print(f'\n| {"dataset":32s} | samples | load time (s) |')
    print(f'|{"-" * 34}|---------|---------------|')
    for name, count, sec in rows:
        print(f'| {name:32s} | {count:7d} | {sec:13.2f} |')


if __name__ == '__main__':
    main()
