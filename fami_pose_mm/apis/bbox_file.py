# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Person boxes from a detection JSON file, looked up per frame."""
import os.path as osp
import warnings
from collections import defaultdict
from typing import Dict, List, Optional, Sequence, Set, Tuple

import numpy as np

from fami_pose_mm.fileio import (Detection, filter_detections,
                                 read_detections, split_posetrack_image_id)

# (record, [x1, y1, x2, y2, score], track id or None) of a kept detection
Row = Tuple[int, List[float], Optional[int]]


class BBoxFile:
    """Person boxes read from a detection JSON file, looked up per frame.

    The file, its value checks (finite numbers, no negative size...) and
    the keep rule (``category_id`` 1 or absent, a box with an area,
    ``score >= score_thr``) are those of the dataset's ``bbox_file``: see
    :mod:`fami_pose_mm.fileio.detection_file`. Each kept detection goes to
    the frame given by its first frame key:

    * ``frame_index``: the 0-based index of the frame in the input;
    * its file name (``file_name`` / ``image_name`` / ``img_path``, or in
      the COCO-like dict the ``file_name`` of its image): matched by base
      name to the frame name (video frames are named ``'000000.jpg'``,
      ...; images keep their file name);
    * ``image_id`` (int): a PoseTrack18 image id
      ``1e10 + video_number * 1e4 + frame_index``, so the frame index is
      ``image_id % 10000``.

    Boxes with zero width or height are dropped with a warning (count);
    a box without area inside its frame is dropped when the frame size is
    given (see :meth:`__call__`), counted in ``num_outside``.

    A file whose every kept box has a ``track_id`` (e.g. written by
    ``tools/adapt/track_persons.py``) gives the inferencer its tracks
    (:class:`FileTracks`, instead of the tracker); two boxes of one frame
    with the same id are an error. A file where only some boxes have one
    is tracked by the tracker, with a warning that counts them.

    Args:
        path (str): The JSON file.
        score_thr (float): Detections scoring below are dropped.
        video_number (int, optional): With PoseTrack image ids of several
            videos in the file, the video to take.

    Raises:
        FileNotFoundError: If the file is missing.
        ValueError: If the file or a detection is malformed (the message
            names the detection's position in the file).
    """

    def __init__(self,
                 path: str,
                 score_thr: float = 0.0,
                 video_number: Optional[int] = None) -> None:
        self.path = path
        self.by_index: Dict[int, List[Row]] = defaultdict(list)
        self.by_name: Dict[str, List[Row]] = defaultdict(list)
        self.video_number = video_number
        self.videos: Set[int] = set()
        self.num_outside = 0
        detections, dropped = filter_detections(
            read_detections(path), score_thr)
        for det in detections:
            self._add(det)
        all_rows = [*self.by_index.items(), *self.by_name.items()]
        self.num_kept = sum(len(rows) for _, rows in all_rows)
        #: kept boxes with a track id
        self.num_track_ids = sum(row[2] is not None for _, rows in all_rows
                                 for row in rows)
        for key, rows in all_rows:
            ids = [(row[2], row[0]) for row in rows if row[2] is not None]
            seen: Dict[int, int] = {}
            for track_id, record in ids:
                if track_id in seen:
                    raise ValueError(
                        f'bboxes file {path}: records {seen[track_id]} and '
                        f'{record} are both track {track_id} on frame '
                        f'{key!r}; a track has one box per frame')
                seen[track_id] = record
        if video_number is None and len(self.videos) > 1:
            some = ', '.join(str(v) for v in sorted(self.videos)[:5])
            raise ValueError(
                f'bboxes file {path} holds PoseTrack image ids of '
                f'{len(self.videos)} videos ({some}, ...); pick one with '
                'video_number (--bboxes-video) so that frames of different '
                'videos are not mixed')
        if dropped['zero-area box']:
            warnings.warn(f'bboxes file {path}: {dropped["zero-area box"]} '
                          'boxes of zero width or height dropped')
        if detections and not self.num_kept:
            raise ValueError(
                f'bboxes file {path}: no detection of video {video_number}; '
                'its PoseTrack image ids are of videos '
                f'{sorted(self.videos)[:5]}')
        if not self.num_kept:
            warnings.warn(f'bboxes file {path}: no person box kept of '
                          f'{len(detections) + sum(dropped.values())} '
                          f'detections (dropped: {dict(dropped)}); every '
                          'frame gets an empty entry')

    @property
    def has_track_ids(self) -> bool:
        """Whether every kept box has a track id (and there is one)."""
        return 0 < self.num_track_ids == self.num_kept

    def _add(self, det: Detection) -> None:
        row = (det.record, det.xyxy + [det.score], det.track_id)
        if det.frame_index is not None:
            self.by_index[det.frame_index].append(row)
        elif det.file_name is not None:
            self.by_name[osp.basename(det.file_name)].append(row)
        elif isinstance(det.image_id, int):
            video, frame = split_posetrack_image_id(det.image_id)
            self.videos.add(video)
            if self.video_number is None or video == self.video_number:
                self.by_index[frame].append(row)
        else:
            raise ValueError(f'detection file {self.path}: record '
                             f'{det.record} has no frame key (frame_index, '
                             'file_name, image_name, img_path or an int '
                             'image_id)')

    def check_frames(self, names: Sequence[str], source: str) -> None:
        """Check, before the first frame, that the boxes fit the input.

        Args:
            names (Sequence[str]): Names of all frames of the input, in
                order (frame ``t`` is ``names[t]``).
            source (str): The input, for messages.

        Raises:
            ValueError: If kept boxes exist but none is on a frame of the
                input (a file of another video, or another frame naming).
                Boxes on no frame, when others match, give a warning.
        """
        known = {osp.basename(n) for n in names}
        unmatched = [(rec, f'frame_index {key}')
                     for key, rows in self.by_index.items()
                     if not 0 <= key < len(names) for rec, _, _ in rows]
        unmatched += [(rec, f'file name {key!r}')
                      for key, rows in self.by_name.items()
                      if key not in known for rec, _, _ in rows]
        if not unmatched:
            return
        record, key = min(unmatched)
        frames = (f'{len(names)} frames, indices 0-{len(names) - 1}, named '
                  f'{names[0]} ... {names[-1]}')
        if len(unmatched) == self.num_kept:
            raise ValueError(
                f'bboxes file {self.path}: none of its {self.num_kept} '
                f'person boxes is on a frame of {source} ({frames}); e.g. '
                f'record {record} is on {key}')
        warnings.warn(f'bboxes file {self.path}: {len(unmatched)} of '
                      f'{self.num_kept} person boxes are on no frame of '
                      f'{source} ({frames}) and are not used; e.g. record '
                      f'{record} is on {key}')

    def __call__(self,
                 index: int,
                 name: str,
                 size: Optional[Tuple[int, int]] = None,
                 tracks: Optional['FileTracks'] = None) -> np.ndarray:
        """Boxes of one frame.

        Args:
            index (int): 0-based frame index.
            name (str): Frame name.
            size (tuple[int, int], optional): ``(width, height)`` of the
                frame in pixels: boxes without area inside it are dropped
                (a warning for the first, all counted in ``num_outside``).
            tracks (FileTracks, optional): Given the track ids of the
                boxes returned (a file with :attr:`has_track_ids`).

        Returns:
            np.ndarray: (N, 5) ``x1, y1, x2, y2, score``; (0, 5) if none.
        """
        rows = self.by_index.get(index, []) + self.by_name.get(
            osp.basename(name), [])
        if size is not None:
            rows = [row for row in rows if self._inside(row, index, size)]
        if tracks is not None:
            tracks.put(index, [track_id for _, _, track_id in rows])
        return np.asarray([box for _, box, _ in rows],
                          dtype=np.float32).reshape(-1, 5)

    def _inside(self, row: Row, index: int, size: Tuple[int, int]) -> bool:
        (record, (x1, y1, x2, y2, _), _), (width, height) = row, size
        if min(x2, width) > max(x1, 0) and min(y2, height) > max(y1, 0):
            return True
        if not self.num_outside:
            warnings.warn(
                f'bboxes file {self.path}: record {record} (frame {index}) '
                f'box [x1, y1, x2, y2] = {[x1, y1, x2, y2]} lies outside the '
                f'{width}x{height} frame: dropped (later ones are counted)')
        self.num_outside += 1
        return False


class FileTracks:
    """The track ids of a boxes file, in :class:`PersonTracker`'s place:
    ``tracks(boxes, frame_index)`` gives the ids that :class:`BBoxFile`
    put for that frame when it returned ``boxes``."""

    def __init__(self) -> None:
        self._pending: Dict[int, np.ndarray] = {}
        self._ids: Set[int] = set()
        self.num_fallbacks = 0  # as PersonTracker: no id is invented

    def put(self, index: int, ids: Sequence[int]) -> None:
        """The ids of frame ``index``'s boxes, in order."""
        self._pending[index] = np.asarray(ids, dtype=np.int64)
        self._ids.update(int(i) for i in ids)

    @property
    def num_ids(self) -> int:
        """int: Distinct track ids given so far."""
        return len(self._ids)

    def __call__(self, boxes: np.ndarray, frame_index: int) -> np.ndarray:
        ids = self._pending.pop(frame_index)
        if len(ids) != len(boxes):
            raise RuntimeError(f'frame {frame_index}: {len(boxes)} boxes but '
                               f'{len(ids)} track ids from the boxes file')
        return ids
