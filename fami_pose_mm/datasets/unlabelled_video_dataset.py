# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Person windows of unlabelled videos, for adaptation without labels."""
import json
import os
import os.path as osp
import shutil
import warnings
from collections import Counter
from typing import List, Tuple

import cv2
from mmengine.dist import barrier, get_rank
from mmengine.logging import print_log
from mmpose.registry import DATASETS

from fami_pose_mm.fileio import read_detections
from .posetrack_video_dataset import PoseTrackVideoDataset
from .video_frames import natural_key
from .video_reader import IMAGE_EXTENSIONS, VideoFrameReader

#: File endings read as video files (everything else in the folder that is
#: not a folder of frames is ignored, with a warning).
VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v',
                    '.mpg', '.mpeg')
_INDEX_VERSION = 2
#: Boxes scoring below are not used (the dataset's ``det_score_thr`` and
#: ``tools/adapt/track_persons.py``'s ``--score-thr``).
BOX_SCORE_THR = 0.3


def list_videos(video_root: str) -> List[Tuple[str, str]]:
    """The videos of a folder: ``(name, path)`` of each video file (name:
    its stem) and each sub-folder holding images (name: the folder's),
    in natural order.

    Raises:
        FileNotFoundError: If ``video_root`` is not a folder.
        ValueError: If it holds no video, or two videos share a name.
    """
    if not osp.isdir(video_root):
        raise FileNotFoundError(f'video folder {video_root} does not exist')
    videos, ignored = [], []
    for entry in sorted(os.listdir(video_root), key=natural_key):
        path = osp.join(video_root, entry)
        if osp.isdir(path) and any(
                f.lower().endswith(IMAGE_EXTENSIONS) for f in os.listdir(path)):
            videos.append((entry, path))
        elif osp.isfile(path) and entry.lower().endswith(VIDEO_EXTENSIONS):
            videos.append((osp.splitext(entry)[0], path))
        elif not entry.startswith('.'):
            ignored.append(entry)
    if ignored:
        warnings.warn(f'video folder {video_root}: ignored {ignored} (neither '
                      f'a video file ({", ".join(VIDEO_EXTENSIONS)}) nor a '
                      'folder of frames)')
    if not videos:
        raise ValueError(
            f'video folder {video_root} holds no video: expected video files '
            f'({", ".join(VIDEO_EXTENSIONS)}) or folders of frames '
            f'({", ".join(IMAGE_EXTENSIONS)})')
    names = Counter(name for name, _ in videos)
    twice = sorted(name for name, n in names.items() if n > 1)
    if twice:
        raise ValueError(f'video folder {video_root}: several videos are named '
                         f'{twice} (a video file and a folder of frames?); '
                         'rename one')
    return videos


def _source_stamp(path: str) -> dict:
    """What identifies a video's content on disk (size and mtime of the
    file, or of every frame of a folder)."""
    if osp.isfile(path):
        stat = os.stat(path)
        return dict(path=osp.abspath(path), size=stat.st_size,
                    mtime=stat.st_mtime)
    files = sorted(os.listdir(path))
    stats = [os.stat(osp.join(path, f)) for f in files]
    return dict(path=osp.abspath(path), files=files,
                size=sum(s.st_size for s in stats),
                mtime=max((s.st_mtime for s in stats), default=0))


def lay_out_video(name: str, path: str, frames_dir: str) -> dict:
    """Lay out one video as numbered frames ``frames_dir/<index:06d><ext>``:
    a video file decoded (JPEG), a folder's frames linked in natural order.
    Reused when ``frames_dir/index.json`` says the source is unchanged.

    Returns:
        dict: ``frames`` ({reader's frame name: numbered file name} of the
        readable frames), ``unreadable`` (their reader names), ``nframes``,
        ``width``, ``height``.
    """
    index_file = osp.join(frames_dir, 'index.json')
    stamp = _source_stamp(path)
    if osp.isfile(index_file):
        with open(index_file) as f:
            cached = json.load(f)
        if cached.get('source') == stamp and \
                cached.get('version') == _INDEX_VERSION:
            return cached['layout']
    shutil.rmtree(frames_dir, ignore_errors=True)  # no stale frame stays
    os.makedirs(frames_dir)
    reader = VideoFrameReader(path)
    frames, unreadable, shape = {}, [], None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        for index, (frame_name, frame) in enumerate(reader):
            if frame is None:
                unreadable.append(frame_name)
                continue
            shape = shape or frame.shape[:2]
            if frame.shape[:2] != shape:
                raise ValueError(
                    f'video {path}: frame {frame_name} is {frame.shape[1]}x'
                    f'{frame.shape[0]}, the first frame {shape[1]}x'
                    f'{shape[0]}: the frames of a video must have one size')
            # one name pattern for every frame of a video (decoders read
            # the content, not the suffix)
            target = osp.join(frames_dir, f'{index:06d}.jpg')
            if reader.is_video:
                cv2.imwrite(target, frame, [cv2.IMWRITE_JPEG_QUALITY, 95])
            else:
                os.symlink(osp.abspath(osp.join(path, frame_name)), target)
            frames[frame_name] = osp.basename(target)
    for warning in caught:  # a video cut short: its lost tail
        if 'its header announces' in str(warning.message):
            warnings.warn(str(warning.message))
    layout = dict(frames=frames, unreadable=unreadable,
                  nframes=index + 1, width=int(shape[1]), height=int(shape[0]))
    _write_json(index_file, dict(version=_INDEX_VERSION, source=stamp,
                                 layout=layout))
    return layout


def _write_json(path: str, obj) -> None:
    """Write JSON through a temporary file: a reader never sees half."""
    with open(path + '.tmp', 'w') as f:
        json.dump(obj, f)
    os.replace(path + '.tmp', path)


@DATASETS.register_module()
class UnlabelledVideoDataset(PoseTrackVideoDataset):
    """Person windows of a folder of unlabelled videos and their boxes.

    For adaptation without labels
    (:class:`~fami_pose_mm.models.pose_estimators.VideoTeacherStudentEstimator`):
    one sample per person box of a frame, with the window of
    :class:`PoseTrackVideoDataset` (``frame_offsets``, ``crop_mode``; no
    keypoints, the teacher gives the targets), and no annotation file.

    Videos: every video file (:data:`VIDEO_EXTENSIONS`) and every folder
    of frames in ``video_root``, named by the file's stem or the folder's
    name. They are laid out once as numbered frames in
    ``cache_dir/frames/<video>/`` (video files decoded to JPEG, frames of
    a folder linked, in natural order: ``frame_2`` before ``frame_10``)
    and reused while the source is unchanged. A frame that cannot be
    decoded is left out (a warning with the count per video): no sample is
    made on it, and a window that reaches it takes the nearest frame
    (``missing_frame='nearest'``). A video shorter than the window repeats
    its edge frames (as in :class:`PoseTrackVideoDataset`).

    Boxes: ``bbox_file``, a detection file
    (:mod:`fami_pose_mm.fileio.detection_file`) whose detections name
    their frame by ``file_name``: ``'<video>/<frame>'``, the frame named as
    the video inferencer reads it (``'000012.jpg'``, the 0-based index,
    in a video file; the file's name in a folder of frames):
    ``tools/adapt/track_persons.py`` writes it from an MMDetection
    detector and the tracker, or links the boxes of a given file. Their
    ``track_id`` links a person's boxes across frames for ``'own'`` crops.
    A frame without a box gives no sample (counted in the log); a box of
    an unknown video or frame is an error naming it.

    Args:
        video_root (str): The folder of videos.
        bbox_file (str): The person boxes (above).
        cache_dir (str): Where the frames are laid out and the index and
            boxes written (``work_dirs/...`` in the configs).
        crop_mode (str): Default ``'own'``.
        det_score_thr (float): Boxes scoring below are dropped. Default
            :data:`BOX_SCORE_THR` (0.3), the boxes tool's.
        missing_frame (str): Default ``'nearest'`` (see above).
        **kwargs: :class:`PoseTrackVideoDataset` arguments
            (``frame_offsets``, ``pipeline``, ...); not ``ann_file``,
            ``data_root`` or ``data_prefix``.
    """

    def __init__(self,
                 video_root: str,
                 bbox_file: str,
                 cache_dir: str,
                 crop_mode: str = 'own',
                 det_score_thr: float = BOX_SCORE_THR,
                 missing_frame: str = 'nearest',
                 **kwargs) -> None:
        given = sorted({'ann_file', 'data_root', 'data_prefix'} & set(kwargs))
        if given:
            raise ValueError(f'UnlabelledVideoDataset reads no annotation '
                             f'file: remove {given}; the videos are '
                             'video_root, the boxes bbox_file')
        if not bbox_file or not osp.isfile(bbox_file):
            raise FileNotFoundError(
                f'UnlabelledVideoDataset: boxes file {bbox_file!r} does not '
                'exist (write it with tools/adapt/track_persons.py)')
        self.video_root = video_root
        self.user_bbox_file = bbox_file
        self.cache_dir = cache_dir
        self.layout_counts: Counter = Counter()
        ann_file, boxes = self._prepare()
        # mmpose reads a bbox_file only in test mode; here it only means
        # that the samples are the boxes (training works the same)
        kwargs['test_mode'] = True
        super().__init__(
            ann_file=ann_file,
            data_root=None,
            data_prefix=dict(img=osp.join(cache_dir, 'frames')),
            frame_name_template=None,
            bbox_file=boxes,
            det_score_thr=det_score_thr,
            missing_frame=missing_frame,
            crop_mode=crop_mode,
            **kwargs)

    def _prepare(self) -> Tuple[str, str]:
        """Lay out the videos, write the image index and the boxes keyed
        by image id (the first process of a distributed run; the others
        wait for it); return their paths."""
        ann_file = osp.join(self.cache_dir, 'videos.json')
        box_file = osp.join(self.cache_dir, 'boxes.json')
        if get_rank() == 0:
            self._write_index(ann_file, box_file)
        barrier()
        with open(ann_file) as f:
            self.layout_counts = Counter(json.load(f)['layout_counts'])
        return ann_file, box_file

    def _write_index(self, ann_file: str, box_file: str) -> None:
        """Lay out the videos; write the image index and the boxes."""
        images, by_name = [], {}
        for name, path in list_videos(self.video_root):
            layout = lay_out_video(name, path,
                                   osp.join(self.cache_dir, 'frames', name))
            self.layout_counts['videos'] += 1
            self.layout_counts['frames'] += len(layout['frames'])
            if layout['unreadable']:
                self.layout_counts['unreadable frames'] += len(
                    layout['unreadable'])
                warnings.warn(
                    f'video {path}: {len(layout["unreadable"])} frame(s) '
                    f'cannot be decoded and are left out '
                    f'({layout["unreadable"][:5]}...)')
            for frame_name, numbered in layout['frames'].items():
                images.append(dict(
                    id=len(images) + 1, file_name=f'{name}/{numbered}',
                    vid_id=name, nframes=layout['nframes'],
                    width=layout['width'], height=layout['height']))
                by_name[f'{name}/{frame_name}'] = len(images)
        boxes, with_box = [], set()
        for det in read_detections(self.user_bbox_file):
            image_id = by_name.get(det.file_name)
            if image_id is None:
                raise ValueError(
                    f'boxes file {self.user_bbox_file}: record {det.record} '
                    f'names frame {det.file_name!r}, which is not a readable '
                    f'frame of a video in {self.video_root} (expected '
                    "'<video>/<frame>', e.g. "
                    f"{next(iter(by_name))!r})")
            with_box.add(image_id)
            boxes.append(det.as_record(image_id=image_id))
        self.layout_counts['frames without a box'] = len(images) - len(
            with_box)
        print_log(
            f'UnlabelledVideoDataset: {self.video_root}: ' + ', '.join(
                f'{k}: {v}' for k, v in self.layout_counts.items()),
            logger='current')
        _write_json(box_file, boxes)
        _write_json(ann_file, dict(
            images=images, annotations=[],
            categories=[dict(id=1, name='person')],
            layout_counts=dict(self.layout_counts)))
