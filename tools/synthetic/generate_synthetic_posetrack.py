# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Generate the seeded synthetic degraded-video pose dataset.

The output has exactly the PoseTrack18 layout the data code reads::

    python tools/synthetic/generate_synthetic_posetrack.py data/synthetic \\
        --seed 0 --preset default

See docs/synthetic.md for what is generated and the flags file.
"""
import warnings

warnings.filterwarnings(  # mmengine imports pkg_resources: hide only that
    'ignore', message='pkg_resources is deprecated as an API',
    category=UserWarning)

import argparse
import os
import os.path as osp
import sys

try:
    from fami_pose_mm.synthetic import (SPLITS, SyntheticConfig,
                                        generate_dataset)
except ImportError:  # running from a checkout without `pip install -e .`
    sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '..',
                                            '..')))
    from fami_pose_mm.synthetic import (SPLITS, SyntheticConfig,
                                        generate_dataset)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Write a synthetic PoseTrack18-layout video pose set '
        '(figures, camera shake, motion blur, occluders).')
    parser.add_argument('out_dir', help='dataset root to write')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--preset', default='default',
                        choices=['default', 'quick'],
                        help='sizes (train+val+test videos): default '
                        '(40+12+12 videos x 30 frames) or quick (3+2+2 videos '
                        'x 8 frames)')
    parser.add_argument('--num-train-videos', type=int, default=None)
    parser.add_argument('--num-val-videos', type=int, default=None)
    parser.add_argument('--num-test-videos', type=int, default=None)
    parser.add_argument('--frames-per-video', type=int, default=None)
    parser.add_argument('--image-size', type=int, nargs=2, default=None,
                        metavar=('W', 'H'))
    parser.add_argument('--workers', type=int,
                        default=min(2, os.cpu_count() or 1),
                        help='processes (the output does not depend on it)')
    parser.add_argument('--no-progress', action='store_true')
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    cfg = SyntheticConfig.from_preset(
        args.preset, seed=args.seed, num_train_videos=args.num_train_videos,
        num_val_videos=args.num_val_videos,
        num_test_videos=args.num_test_videos,
        frames_per_video=args.frames_per_video, image_size=args.image_size)
    summary = generate_dataset(args.out_dir, cfg, workers=args.workers,
                               progress=not args.no_progress)
    head = ('split', 'videos', 'frames', 'people', 'joints', 'clean',
            'occluded', 'blurred', 'blurred frames')
    print(' | '.join(head))
    for split in SPLITS:
        s = summary[split]
        j = max(s['joints'], 1)
        print(' | '.join([
            split, str(s['videos']), str(s['frames']), str(s['instances']),
            str(s['joints']), f"{100 * s['clean'] / j:.1f}%",
            f"{100 * s['occluded'] / j:.1f}%",
            f"{100 * s['blurred'] / j:.1f}%", str(s['blurred_frames'])]))
    print(f"wrote {args.out_dir} in {summary['seconds']:.1f} s "
          f'(seed {cfg.seed}, {cfg.image_size[0]}x{cfg.image_size[1]})')
    return summary


if __name__ == '__main__':
    main()
