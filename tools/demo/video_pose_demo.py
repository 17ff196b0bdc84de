# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Multi-frame pose estimation on a video, a folder of frames or a webcam.

Examples::

    # offline, on a CPU: the shipped real clip, the whole frame as the box,
    # the checkpoint of the quick synthetic benchmark (make benchmark-quick)
    python tools/demo/video_pose_demo.py \\
        tests/data/videos/000001_mpiinew_test/000001_mpiinew_test.mp4 \\
        configs/synthetic/d_fami.py \\
        work_dirs/synthetic_quick/d_fami/epoch_1.pth \\
        --whole-frame --device cpu --output-root outputs/

    python tools/demo/video_pose_demo.py demo.mp4 POSE_CONFIG POSE_CKPT \\
        --det-config DET_CONFIG --det-checkpoint DET_CKPT \\
        --output-root outputs/ --device cuda:0

    # the model's ONNX export (tools/deployment/export_onnx.py) on ONNX
    # Runtime instead of PyTorch
    python tools/demo/video_pose_demo.py demo.mp4 POSE_CONFIG ONNX_DIR \\
        --backend onnxruntime --whole-frame --output-root outputs/

Writes ``<output-root>/<input name>.mp4`` (rendered frames, H.264 when
PyAV is installed, else mp4v) and
``<output-root>/<input name>.json`` (PoseTrack18 prediction format).

The outputs are checked before the first frame: an output that would be
the input, or sit beside it under its name (a video next to its frames
folder), is refused. Stopped by Ctrl-C or SIGTERM, the demo writes
what it did, marked partial, and exits with 130 or 143. An input error
ends with one ``error:`` line and exit status 2 (``--debug`` for the
traceback).

Person boxes are linked into tracks across frames by MMDetection's
``ByteTracker`` (the pose config's ``tracker``, else the default of
``fami_pose_mm.apis.person_tracker``): every person in the JSON has a
``track_id``, and the video shows each id next to its person, in one colour
per track. ``--no-tracking`` turns it off (``track_id`` is then the person's
index within its frame). See docs/inference.md, section Tracking.
"""
import warnings

warnings.filterwarnings(  # mmengine imports pkg_resources: hide only that
    'ignore', message='pkg_resources is deprecated as an API',
    category=UserWarning)

import argparse
import logging
import os
import os.path as osp
from contextlib import closing
from typing import List, Optional

from mmengine.logging import print_log

from fami_pose_mm.cli import add_debug_option, run_cli


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse the command line."""
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(
        description='FAMI-Pose video inference (top-down, multi-frame)')
    parser.add_argument(
        'input', help='video file, folder of frames, or webcam[:id]')
    parser.add_argument('pose_config', help='pose model config file')
    parser.add_argument(
        'pose_checkpoint', nargs='?', default=None,
        help='pose checkpoint (path or URL); omit only for a smoke test; '
        'with --backend onnxruntime the folder of '
        'tools/deployment/export_onnx.py')
    boxes = parser.add_mutually_exclusive_group(required=True)
    boxes.add_argument('--det-config', help='mmdet config of the detector')
    boxes.add_argument(
        '--bboxes-file', help='detection JSON (see docs/inference.md)')
    boxes.add_argument(
        '--whole-frame', action='store_true',
        help='use the whole frame as the only person box')
    parser.add_argument(
        '--bboxes-video', type=int, default=None,
        help='video number to take from a --bboxes-file that holds the '
        'PoseTrack image ids of several videos')
    parser.add_argument('--det-checkpoint', help='mmdet checkpoint')
    parser.add_argument(
        '--det-cat-id', type=int, default=0,
        help='detector label of persons (COCO: 0)')
    parser.add_argument(
        '--output-root', default='outputs/video_pose',
        help='folder for the output video and JSON')
    parser.add_argument(
        '--device', default=None, help='cpu, cuda, cuda:0 ... (auto)')
    parser.add_argument('--bbox-thr', type=float, default=0.3)
    parser.add_argument('--nms-thr', type=float, default=0.3)
    parser.add_argument('--kpt-thr', type=float, default=0.3)
    parser.add_argument(
        '--backend', choices=('pytorch', 'onnxruntime'), default='pytorch',
        help='run the model with PyTorch, or its ONNX export on ONNX '
        'Runtime (docs/inference.md, section ONNX Runtime)')
    parser.add_argument('--batch-size', type=int, default=16,
                        help='persons per forward pass')
    parser.add_argument(
        '--show', action=argparse.BooleanOptionalAction, default=False,
        help='show the rendered frames in a window')
    parser.add_argument(
        '--online', action='store_true',
        help='live mode: past frames only (a config trained on past '
        'frames, or --frame-offsets with negative offsets)')
    parser.add_argument(
        '--frame-offsets', type=int, nargs='+', default=None,
        help='supporting frames relative to the key frame, instead of the '
        "config's (as many as the model was built for)")
    parser.add_argument(
        '--threads', type=int, default=0,
        help='CPU threads of PyTorch and ONNX Runtime; 0 (default): half '
        'the CPU cores, at least 1 (all cores are slower when another '
        'process is busy)')
    parser.add_argument(
        '--smooth', choices=('one_euro', 'savgol', 'gaussian'),
        help='filter the keypoints along each track (docs/inference.md, '
        'section Smoothing); savgol and gaussian delay the output by their '
        'half window and do not run --online')
    parser.add_argument(
        '--smooth-params', nargs='+', action=DictAction, default={},
        help='the filter\'s parameters, e.g. window=9 polyorder=2')
    parser.add_argument('--no-video', action='store_true',
                        help='do not write the rendered video')
    parser.add_argument(
        '--no-tracking', action='store_true',
        help='do not link persons across frames: track_id is the index '
        'within the frame, no ids drawn')
    parser.add_argument('--draw-bbox', action='store_true')
    parser.add_argument('--radius', type=int, default=3)
    parser.add_argument('--thickness', type=int, default=1)
    add_debug_option(parser)
    args = parser.parse_args(argv)
    if args.smooth_params and not args.smooth:
        parser.error('--smooth-params needs --smooth')
    if args.bboxes_video is not None and not args.bboxes_file:
        parser.error('--bboxes-video selects a video of a --bboxes-file; '
                     'it does nothing with --whole-frame or --det-config')
    if args.threads < 0:
        parser.error(f'--threads must be >= 0, got {args.threads}')
    if args.det_checkpoint and not args.det_config:
        parser.error('--det-checkpoint needs --det-config')
    if args.backend == 'onnxruntime' and not args.pose_checkpoint:
        parser.error('--backend onnxruntime needs the export folder as '
                     'pose_checkpoint')
    return args


def main(argv: Optional[List[str]] = None) -> dict:
    """Run the demo; returns the run statistics and output paths."""
    args = parse_args(argv)
    import torch

    import fami_pose_mm.plugin  # noqa: F401  (registers the models)
    from fami_pose_mm.apis import VideoFrameReader, VideoPoseInferencer
    from fami_pose_mm.apis.checks import check_writable_dir

    torch.set_num_threads(args.threads or max(1, (os.cpu_count() or 2) // 2))
    check_writable_dir(args.output_root)
    name = VideoFrameReader(args.input).name
    out_video = None if args.no_video else osp.join(args.output_root,
                                                    f'{name}.mp4')
    out_json = osp.join(args.output_root, f'{name}.json')
    inferencer = VideoPoseInferencer(
        args.pose_config,
        args.pose_checkpoint,
        device=args.device,
        det_model=args.det_config,
        det_weights=args.det_checkpoint,
        det_cat_ids=args.det_cat_id,
        frame_offsets=args.frame_offsets,
        online=args.online,
        batch_size=args.batch_size,
        show_progress=True,
        tracker=False if args.no_tracking else None,
        backend=args.backend)
    results = inferencer(
        args.input,
        bboxes_file=args.bboxes_file,
        bboxes_video=args.bboxes_video,
        whole_frame=args.whole_frame,
        bbox_thr=args.bbox_thr,
        nms_thr=args.nms_thr,
        kpt_thr=args.kpt_thr,
        vis_out_dir=out_video,
        out_json=out_json,
        show=args.show,
        draw_bbox=args.draw_bbox,
        radius=args.radius,
        thickness=args.thickness,
        smooth=dict(type=args.smooth, **args.smooth_params)
        if args.smooth else None)
    with closing(results):  # a stop by a signal closes the outputs
        for _ in results:
            pass
    stats = dict(inferencer.stats, video=out_video, json=out_json)
    fps = stats['frames'] / max(stats['seconds'], 1e-9)
    tracks = '-' if args.no_tracking else \
        f"{stats['tracks']} ({stats['track_fallbacks']} fresh)"
    print_log(
        '\n| frames | persons | frame reads | undecodable frames | track ids '
        '| seconds | fps |\n|---|---|---|---|---|---|---|\n'
        f"| {stats['frames']} | {stats['persons']} | {stats['reads']} | "
        f"{stats['unreadable']} | {tracks} | {stats['seconds']:.1f} | "
        f"{fps:.2f} |\n"
        f'video: {out_video}\njson: {out_json}',
        logger='current', level=logging.INFO)
    return stats


if __name__ == '__main__':
    run_cli(main)
