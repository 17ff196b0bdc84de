# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Convert official PoseTrack annotations into the COCO-style video files
read by ``PoseTrackVideoDataset``.

PoseTrack18: the per-video JSON files (``annotations/{train,val}/*.json``)
are already COCO-like; they are merged into one file, image ids are kept
unchanged, and missing ``bbox``/``num_keypoints``/``iscrowd``/``area`` are
filled in (a missing box is the visible-keypoint extent enlarged by
``--box-margin`` on each side).

PoseTrack21: the ``posetrack_data`` per-video files are merged the same
way (each must be PoseTrack21's: ``person_id`` on every annotation);
their images have no size, which is read from the first frame of each
video under ``--frames-root``. Box-only persons keep their box and get
``num_keypoints`` 0.

PoseTrack17: the per-video JSON files in the ``annolist`` format are
converted to the PoseWarper/DCPose layout: frames are addressed as
``images_renamed/<video>/%08d.jpg``, 1-indexed in the order of the
video's sorted frame names, joints are mapped into the 17-slot PoseTrack18
layout (ears left unannotated). ``--frames-root`` (the folder holding the
original ``images/``) is required: frame counts and image sizes are read
there, and the renamed frames are created as symbolic links under
``<frames-root>/images_renamed/``.

Usage::

    python tools/dataset_converters/posetrack_to_coco_video.py posetrack18 \\
        data/posetrack18/annotations/val \\
        data/posetrack18/annotations/posetrack18_val.json
    python tools/dataset_converters/posetrack_to_coco_video.py posetrack21 \\
        data/posetrack21/posetrack_data/val \\
        data/posetrack21/annotations/posetrack21_val.json \\
        --frames-root data/posetrack21
    python tools/dataset_converters/posetrack_to_coco_video.py posetrack17 \\
        data/posetrack17/annotations/val \\
        data/posetrack17/annotations/posetrack17_val.json \\
        --frames-root data/posetrack17
"""
import warnings

warnings.filterwarnings(  # mmengine imports pkg_resources: hide only that
    'ignore', message='pkg_resources is deprecated as an API',
    category=UserWarning)

import argparse
import glob
import json
import os
import os.path as osp
from typing import List, Optional, Tuple

NUM_KEYPOINTS = 17


def keypoint_box(keypoints: list, margin: float) -> list:
    """xywh extent of the visible keypoints, enlarged by ``margin`` of its
    size on each side; ``[0, 0, 0, 0]`` when no keypoint is visible."""
    xs = [keypoints[i] for i in range(0, len(keypoints), 3)
          if keypoints[i + 2] > 0]
    ys = [keypoints[i + 1] for i in range(0, len(keypoints), 3)
          if keypoints[i + 2] > 0]
    if not xs:
        return [0.0, 0.0, 0.0, 0.0]
    w, h = max(xs) - min(xs), max(ys) - min(ys)
    return [min(xs) - margin * w, min(ys) - margin * h,
            w * (1 + 2 * margin), h * (1 + 2 * margin)]


def complete_annotation(ann: dict, margin: float, where: str) -> dict:
    """Fill the COCO fields the dataset and the metrics expect."""
    kpts = ann.get('keypoints') or []
    if kpts and len(kpts) != NUM_KEYPOINTS * 3:
        raise ValueError(f'{where}: annotation {ann.get("id")} has '
                         f'{len(kpts)} keypoint values, expected '
                         f'{NUM_KEYPOINTS * 3}')
    ann = dict(ann)
    ann.setdefault('category_id', 1)
    ann['iscrowd'] = int(bool(ann.get('iscrowd', 0)))
    if kpts:
        ann['num_keypoints'] = sum(1 for v in kpts[2::3] if v > 0)
        if 'bbox' not in ann:
            ann['bbox'] = keypoint_box(kpts, margin)
    if 'bbox' in ann:
        ann.setdefault('area', float(ann['bbox'][2] * ann['bbox'][3]))
    return ann


def merge_posetrack18(files: list, margin: float,
                      dataset: str = 'posetrack18',
                      frames_root: Optional[str] = None) -> dict:
    """Merge PoseTrack18 (or PoseTrack21 ``posetrack_data``) per-video
    files into one COCO-style dict.

    Args:
        files (list[str]): The per-video files.
        margin (float): See :func:`keypoint_box`.
        dataset (str): ``'posetrack18'`` or ``'posetrack21'``: a file of
            the other version is refused, naming it
            (:func:`~fami_pose_mm.fileio.posetrack21_format.check_dataset_of`).
        frames_root (str, optional): Where ``file_name`` is found, to read
            the size of images without ``width`` / ``height`` (PoseTrack21
            files have none).
    """
    from fami_pose_mm.fileio.posetrack21_format import check_dataset_of
    images, anns, categories, seen = [], [], None, set()
    for path in files:
        with open(path, 'r', encoding='utf-8') as f:
            try:
                video = json.load(f)
            except json.JSONDecodeError as e:
                raise ValueError(f'{path} is not valid JSON: {e}') from None
        if not isinstance(video, dict) or 'images' not in video:
            raise ValueError(f"{path}: expected a JSON object with 'images'")
        check_dataset_of(video, path, dataset)
        add_image_sizes(video['images'], path, frames_root)
        for img in video['images']:
            if img['id'] in seen:
                raise ValueError(f'{path}: image id {img["id"]} repeats an '
                                 'id of another video')
            seen.add(img['id'])
            images.append(img)
        anns += [complete_annotation(a, margin, path)
                 for a in video.get('annotations', [])]
        categories = categories or video.get('categories')
    return dict(images=images, annotations=anns, categories=categories or [])


def add_image_sizes(images: List[dict], path: str,
                    frames_root: Optional[str]) -> None:
    """Set ``width`` / ``height`` of images without them from the first
    such frame of the video (read under ``frames_root``), in place."""
    todo = [i for i in images if 'width' not in i or 'height' not in i]
    if not todo:
        return
    if frames_root is None:
        raise ValueError(f'{path}: images without width/height (PoseTrack21 '
                         'files): give --frames-root, the folder holding '
                         'their file_name')
    import cv2
    frame = osp.join(frames_root, todo[0]['file_name'])
    first = cv2.imread(frame)
    if first is None:
        raise ValueError(f'{path}: cannot read frame {frame} (image id '
                         f'{todo[0].get("id")}) for its size')
    for image in todo:
        image['width'], image['height'] = first.shape[1], first.shape[0]


def link_posetrack17_frames(video: dict, path: str,
                            frames_root: str) -> Tuple[List[str], tuple]:
    """List a PoseTrack17 video's frames, read their size and link them
    as ``images_renamed/<...>/%08d.jpg`` (1-indexed) under
    ``frames_root``.

    Returns:
        tuple: The sorted frame names and ``(width, height)``.
    """
    import cv2

    from fami_pose_mm.fileio.posetrack17_format import (
        posetrack17_frame_folder, renamed_folder)
    folder = posetrack17_frame_folder(video, path)
    frame_dir = osp.join(frames_root, folder)
    if not osp.isdir(frame_dir):
        raise FileNotFoundError(f'frame folder not found: {frame_dir}')
    frames = sorted(f for f in os.listdir(frame_dir)
                    if f.lower().endswith(('.jpg', '.jpeg', '.png')))
    if not frames:
        raise ValueError(f'{path}: no frames in {frame_dir}')
    first = cv2.imread(osp.join(frame_dir, frames[0]))
    if first is None:
        raise ValueError(f'{path}: cannot read {frames[0]} in {frame_dir}')
    new_dir = osp.join(frames_root, renamed_folder(folder))
    os.makedirs(new_dir, exist_ok=True)
    for n, name in enumerate(frames, start=1):
        link = osp.join(new_dir, f'{n:08d}.jpg')
        if not osp.lexists(link):
            os.symlink(osp.relpath(osp.join(frame_dir, name), new_dir), link)
    return frames, (first.shape[1], first.shape[0])


def merge_posetrack17(files: list, margin: float,
                      frames_root: Optional[str] = None) -> dict:
    """Convert PoseTrack17 per-video files into one COCO-style dict."""
    from fami_pose_mm.fileio.posetrack17_format import (
        CATEGORIES, convert_posetrack17_video)
    if frames_root is None:
        raise ValueError('posetrack17 conversion needs --frames-root')
    images, anns = [], []
    for vid_num, path in enumerate(files):
        with open(path, 'r', encoding='utf-8') as f:
            video = json.load(f)
        frames, size = link_posetrack17_frames(video, path, frames_root)
        v_images, v_anns = convert_posetrack17_video(
            video, vid_num, path, frames, size)
        images += v_images
        anns += [complete_annotation(a, margin, path) for a in v_anns]
    return dict(images=images, annotations=anns, categories=CATEGORIES)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('format',
                        choices=['posetrack18', 'posetrack21', 'posetrack17'])
    parser.add_argument('input_dir', help='folder of per-video JSON files')
    parser.add_argument('output', help='COCO-style JSON file to write')
    parser.add_argument('--box-margin', type=float, default=0.1)
    parser.add_argument('--frames-root', default=None,
                        help='PoseTrack17 (required): the folder holding '
                        'images/; images_renamed/ links are made there. '
                        'PoseTrack21: the folder holding images/, to read '
                        'the frame size')
    args = parser.parse_args(argv)
    files = sorted(glob.glob(osp.join(args.input_dir, '*.json')))
    if not files:
        raise ValueError(f'no *.json files in {args.input_dir}')
    if args.format in ('posetrack18', 'posetrack21'):
        data = merge_posetrack18(files, args.box_margin, args.format,
                                 args.frames_root)
    else:
        data = merge_posetrack17(files, args.box_margin, args.frames_root)
    os.makedirs(osp.dirname(osp.abspath(args.output)), exist_ok=True)
    with open(args.output, 'w', encoding='utf-8') as f:
        json.dump(data, f)
    labeled = sum(1 for i in data['images'] if i.get('is_labeled', True))
    print(f'{args.format}: {len(files)} videos, {len(data["images"])} '
          f'images ({labeled} labelled), {len(data["annotations"])} '
          f'person annotations -> {args.output}')


if __name__ == '__main__':
    main()
