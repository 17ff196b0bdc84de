# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""A folder of ground-truth video files and a folder of predictions: the
files paired by name, their frames paired by image id (or file name).

``poseval`` pairs the frames of a prediction file with the ground truth's
by position; a file whose images are listed in another order, or a file
of another video saved under this one's name, then scores as if its poses
were wrong. Here frames are paired by image id (PoseTrack18 files), else
by file name (``annolist`` files, or ids that differ), else by the file
name's last two parts, ``<video>/<frame>`` (the video inferencer numbers
its frames from 0 and names them so), and a prediction whose frames are
not the ground truth's is refused. On well-formed files (the same frames
in the same order) this is ``poseval``'s pairing.
"""
import os
import os.path as osp
import warnings
from typing import List, Tuple

from .posetrack21_format import check_dataset_of
from .posetrack_frame import PoseTrackFrame
from .posetrack_json import load_posetrack18_video, read_video_json

#: The ground truths :func:`load_posetrack18_folders` reads.
DATASETS = ('posetrack18', 'posetrack21')


def _json_files(folder: str, what: str) -> List[str]:
    """Sorted names of the ``*.json`` files of ``folder``."""
    if not osp.isdir(folder):
        raise FileNotFoundError(f'{what} folder {folder} does not exist')
    return sorted(f for f in os.listdir(folder)
                  if f.endswith('.json') and osp.isfile(osp.join(folder, f)))


#: What frames are paired by, in order of preference, and how messages
#: name it.
PAIRING_KEYS = (('image_id', 'image id'), ('file_name', 'file name'),
                ('video_frame', '<video>/<frame> file name'))


def _key(frame: PoseTrackFrame, key: str) -> object:
    if key == 'video_frame':
        parts = frame.file_name.replace('\\', '/').split('/')
        return '/'.join(parts[-2:]) if len(parts) >= 2 else None
    return getattr(frame, key)


def _keys(frames: List[PoseTrackFrame], key: str) -> list:
    """The ``key`` (see :data:`PAIRING_KEYS`) of each frame; None if a
    frame lacks it or two frames share it (the key cannot pair)."""
    values = [_key(frame, key) for frame in frames]
    if any(v in (None, '') for v in values) or len(set(values)) != len(
            values):
        return None
    return values


def pair_frames(gt: List[PoseTrackFrame], pred: List[PoseTrackFrame],
                gt_file: str, pred_file: str) -> List[PoseTrackFrame]:
    """The prediction frames in the order of the ground-truth frames.

    Paired by the first of :data:`PAIRING_KEYS` (image id, file name,
    ``<video>/<frame>``) that both files give every frame, distinct
    within each file and the same set in both.

    Args:
        gt (list[PoseTrackFrame]): Ground-truth frames of one video.
        pred (list[PoseTrackFrame]): Its prediction's frames.
        gt_file (str): The ground-truth file, for messages.
        pred_file (str): The prediction file, for messages.

    Returns:
        list[PoseTrackFrame]: ``pred`` reordered to match ``gt``.

    Raises:
        ValueError: A prediction with another number of frames, or whose
            frames are not the ground truth's (naming an image of one file
            that the other lacks).
    """
    if len(pred) != len(gt):
        raise ValueError(f'{pred_file}: {len(pred)} prediction frames but '
                         f'{len(gt)} ground-truth frames in {gt_file}')
    usable = []
    for key, what in PAIRING_KEYS:
        gt_keys, pred_keys = _keys(gt, key), _keys(pred, key)
        if gt_keys is None or pred_keys is None:
            continue
        if set(gt_keys) == set(pred_keys):
            by_key = dict(zip(pred_keys, pred))
            return [by_key[k] for k in gt_keys]
        usable.append((what, gt_keys, pred_keys))
    if not usable:
        raise ValueError(
            f'{pred_file}: its frames cannot be paired with those of '
            f'{gt_file}: no image ids or file names that are given to every '
            'frame once in both files')
    what, gt_keys, pred_keys = usable[0]  # the ids when both have them
    missing = [k for k in gt_keys if k not in set(pred_keys)]
    extra = [k for k in pred_keys if k not in set(gt_keys)]
    detail = f'ground-truth {what} {missing[0]!r} is not in the prediction'
    if extra:
        detail += f', prediction {what} {extra[0]!r} is not in the ground truth'
    raise ValueError(
        f'{pred_file}: its frames are not those of {gt_file} ({detail}; '
        f'{len(missing)} of {len(gt)} frames unmatched). Frames are paired '
        'by image id, else by file name or <video>/<frame>: is this the '
        'prediction of that video?')


def load_posetrack18_folders(
    gt_dir: str,
    pred_dir: str,
    tracking: bool = False,
    dataset: str = 'posetrack18'
) -> Tuple[List[PoseTrackFrame], List[PoseTrackFrame], List[str]]:
    """Load every ground-truth video of ``gt_dir`` and its prediction.

    Files are paired by name, frames by :func:`pair_frames`; videos are
    taken in sorted file-name order. Reported with a ``UserWarning`` (and
    not scored, as in ``poseval``): prediction files without a
    ground-truth file of the same name, and the predictions of a
    ground-truth video without any annotated person.

    Args:
        gt_dir (str): Folder of official per-video ground-truth files.
        pred_dir (str): Folder with a prediction file of the same name for
            every ground-truth file.
        tracking (bool): Also read and check track ids (see
            :func:`~fami_pose_mm.fileio.posetrack_json.load_posetrack18_video`).
        dataset (str): What the ground truth must be: ``'posetrack18'``
            (PoseTrack18 or PoseTrack17 files; a PoseTrack21 file is
            refused) or ``'posetrack21'`` (PoseTrack21 ``posetrack_data``
            files, checked by
            :func:`~fami_pose_mm.fileio.posetrack21_format.check_dataset_of`).

    Returns:
        tuple: ground-truth frames, predicted frames (aligned lists) and
        the video file names.

    Raises:
        FileNotFoundError: A missing folder, no ground-truth file, or a
            ground-truth file without its prediction file.
        ValueError: A bad file (see ``load_posetrack18_video``), a
            ground-truth file of the other dataset, a prediction whose
            frames are not the ground truth's (see :func:`pair_frames`),
            or ground truth without any annotated person in any file.
    """
    if dataset not in DATASETS:
        raise ValueError(f'dataset must be one of {DATASETS}, got '
                         f'{dataset!r}')
    gt_names = _json_files(gt_dir, 'ground-truth')
    if not gt_names:
        raise FileNotFoundError(f'no ground-truth *.json files in {gt_dir}')
    extra = sorted(set(_json_files(pred_dir, 'prediction')) - set(gt_names))
    if extra:
        warnings.warn(
            f'{pred_dir}: {len(extra)} prediction files have no ground-truth '
            f'file of the same name in {gt_dir} and are not scored: '
            f"{', '.join(extra[:5])}{', ...' if len(extra) > 5 else ''}")
    gt_frames, pred_frames = [], []
    for base in gt_names:
        gt_file, pred_file = osp.join(gt_dir, base), osp.join(pred_dir, base)
        if not osp.isfile(pred_file):
            raise FileNotFoundError(
                f'prediction file {pred_file} does not exist (needed for '
                f'ground truth {gt_file})')
        video = read_video_json(gt_file, 'ground-truth')
        if isinstance(video, dict) and 'annolist' not in video:
            check_dataset_of(video, gt_file, dataset)
        gt = load_posetrack18_video(video, is_gt=True, name=gt_file,
                                    tracking=tracking)
        pred = pair_frames(
            gt,
            load_posetrack18_video(pred_file, is_gt=False, tracking=tracking),
            gt_file, pred_file)
        if not any(frame.num_people for frame in gt):
            warnings.warn(
                f'{gt_file}: no frame has an annotated person; the '
                f'{sum(frame.num_people for frame in pred)} predicted people '
                f'of {pred_file} are not scored')
        gt_frames += gt
        pred_frames += pred
    if not any(frame.num_people for frame in gt_frames):
        raise ValueError(f'no ground-truth file in {gt_dir} has an annotated '
                         'person: nothing to evaluate (files of a test split '
                         'carry no annotations)')
    return gt_frames, pred_frames, gt_names
