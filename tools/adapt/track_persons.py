# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Person boxes, linked into tracks, for every video of a folder: the
boxes file of the adaptation configs (configs/adapt/).

Examples::

    # an MMDetection person detector on every frame, then ByteTracker
    python tools/adapt/track_persons.py my_videos/ my_videos_boxes.json \\
        --det-config mmpose::demo/mmdetection_cfg/rtmdet_m_640-8xb32_coco-person.py \\
        --det-checkpoint https://download.openmmlab.com/mmpose/v1/projects/rtmposev1/rtmdet_m_8xb32-100e_coco-obj365-person-235e8209.pth \\
        --device cuda:0

    # boxes you have (file_name '<video>/<frame>'), linked by ByteTracker
    python tools/adapt/track_persons.py my_videos/ my_videos_boxes.json \\
        --bboxes-file my_boxes.json

Videos: the video files and frame folders of the folder, each named by its
file's stem or the folder's name; frames as the video inferencer names them
('000012.jpg' in a video file, the file name in a folder). Output: a JSON
list of detections ``file_name``, ``bbox`` (x, y, w, h), ``score``,
``category_id``, ``track_id``.
"""
import argparse
import json
import os.path as osp
from typing import List, Optional

from fami_pose_mm.cli import add_debug_option, run_cli


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('video_root', help='folder of videos')
    parser.add_argument('out', help='boxes file to write (JSON)')
    parser.add_argument('--det-config', help='mmdet person detector config')
    parser.add_argument('--det-checkpoint', help='mmdet checkpoint')
    parser.add_argument('--bboxes-file', help='boxes to link instead of '
                        'detecting (file_name <video>/<frame>)')
    from fami_pose_mm.datasets.unlabelled_video_dataset import BOX_SCORE_THR
    parser.add_argument('--score-thr', type=float, default=BOX_SCORE_THR,
                        help='boxes scoring below are dropped (default '
                        f'{BOX_SCORE_THR}, the dataset\'s det_score_thr)')
    parser.add_argument('--device', default='cpu')
    add_debug_option(parser)
    args = parser.parse_args(argv)
    if bool(args.det_config) == bool(args.bboxes_file):
        parser.error('give --det-config (a detector) or --bboxes-file')
    if osp.abspath(args.out) in (osp.abspath(args.bboxes_file or ''),
                                 osp.abspath(args.video_root)):
        parser.error(f'{args.out} is an input; write the boxes elsewhere')
    return args


def main(argv: Optional[List[str]] = None) -> List[dict]:
    """Write the tracked boxes; return them."""
    args = parse_args(argv)
    from fami_pose_mm.apis.person_boxes import track_video_boxes
    from fami_pose_mm.fileio import check_writable_file
    check_writable_file(args.out)
    detector = None
    if args.det_config:
        from fami_pose_mm.apis.person_detector import PersonDetector
        detector = PersonDetector(args.det_config, args.det_checkpoint,
                                  args.device)
    boxes = track_video_boxes(args.video_root, detector, args.bboxes_file,
                              score_thr=args.score_thr, show_progress=True)
    with open(args.out, 'w') as f:
        json.dump(boxes, f)
    frames = len({b['file_name'] for b in boxes})
    tracks = len({(b['file_name'].split('/')[0], b['track_id'])
                  for b in boxes})
    print(f'\n{args.out}: {len(boxes)} boxes in {frames} frames, '
          f'{tracks} tracks')
    return boxes


if __name__ == '__main__':
    run_cli(main)
