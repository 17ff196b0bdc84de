# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Write one image per multi-frame sample: every frame of the window after
the pipeline, side by side, with the transformed keypoints of the key frame
drawn on each (the same crop and augmentation apply to all frames, so the
points must sit on the person in the key frame and near it elsewhere).

Usage::

    python tools/misc/browse_video_dataset.py CONFIG --output-dir DIR \\
        [--phase train|val] [--max-samples N] [--cfg-options k=v ...]
"""
import warnings

warnings.filterwarnings(  # mmengine imports pkg_resources: hide only that
    'ignore', message='pkg_resources is deprecated as an API',
    category=UserWarning)

import argparse
import os
import os.path as osp
import sys

import cv2
import numpy as np
from mmengine.config import Config, DictAction

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Browse a video dataset')
    parser.add_argument('config', help='config file')
    parser.add_argument('--output-dir', required=True)
    parser.add_argument('--phase', choices=['train', 'val'], default='train')
    parser.add_argument('--max-samples', type=int, default=20)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='key=value overrides of the config')
    return parser.parse_args(argv)


def frame_labels(offsets) -> list:
    return ['key t'] + [f't{o:+d}' for o in offsets]


def draw_window(frames: np.ndarray, keypoints: np.ndarray,
                visible: np.ndarray, labels: list,
                skeleton: list) -> np.ndarray:
    """Tile T frames horizontally and draw the keypoints on each.

    Args:
        frames (np.ndarray): (T, 3, H, W) uint8 BGR.
        keypoints (np.ndarray): (K, 2) in input-image pixels.
        visible (np.ndarray): (K,) visibility.
        labels (list[str]): One caption per frame.
        skeleton (list[tuple]): Keypoint index pairs to join.

    Returns:
        np.ndarray: (H, T * W, 3) uint8 image.
    """
    tiles = []
    for t, frame in enumerate(frames):
        img = np.ascontiguousarray(frame.transpose(1, 2, 0)).copy()
        pts = [tuple(int(round(c)) for c in p) for p in keypoints]
        for a, b in skeleton:
            if visible[a] > 0 and visible[b] > 0:
                cv2.line(img, pts[a], pts[b], (255, 160, 0), 1)
        for p, v in zip(pts, visible):
            if v > 0:
                cv2.circle(img, p, 3, (0, 0, 255), -1)
        cv2.putText(img, labels[t], (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5,
                    (0, 255, 255), 1)
        tiles.append(img)
    return np.concatenate(tiles, axis=1)


def main(argv=None) -> int:
    args = parse_args(argv)
    from mmengine.registry import init_default_scope
    from mmengine.utils import import_modules_from_strings
    from mmpose.registry import DATASETS

    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if cfg.get('custom_imports'):
        import_modules_from_strings(**cfg.custom_imports)
    import fami_pose_mm.plugin  # noqa: F401
    init_default_scope(cfg.get('default_scope', 'mmpose'))

    loader = cfg.train_dataloader if args.phase == 'train' \
        else cfg.val_dataloader
    ds_cfg = loader.dataset
    for step in ds_cfg.pipeline:
        if step['type'] == 'PackPoseInputs':
            step['pack_transformed'] = True
    dataset = DATASETS.build(ds_cfg)
    skeleton = dataset.metainfo.get('skeleton_links', [])
    os.makedirs(args.output_dir, exist_ok=True)
    np.random.seed(args.seed)
    count = min(args.max_samples, len(dataset))
    for i in range(count):
        packed = dataset[i]
        sample = packed['data_samples']
        inst = sample.gt_instances
        kpts = np.asarray(inst.get('transformed_keypoints',
                                   inst.keypoints))[0]
        vis = np.asarray(inst.keypoints_visible)[0]
        if not np.abs(np.asarray(inst.keypoints)).any():
            vis = np.zeros_like(vis)  # detected box: no keypoints to show
        offsets = sample.metainfo.get('frame_offsets', ())
        image = draw_window(packed['inputs'].numpy(), kpts, vis,
                            frame_labels(offsets), skeleton)
        name = f'{i:05d}_img{sample.metainfo.get("img_id")}.jpg'
        cv2.imwrite(osp.join(args.output_dir, name), image)
    print(f'wrote {count} images ({args.phase}) to {args.output_dir}')
    return count


if __name__ == '__main__':
    main()
