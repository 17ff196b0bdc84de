# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The one writer of per-video PoseTrack prediction files.

Used by :class:`PoseTrackAPMetric` (``outfile_prefix``) and, through a
subclass that adds its own fields, by the video inferencer. The two file
forms (PoseTrack18 and PoseTrack17 ``annolist``) and the reader are in
:mod:`fami_pose_mm.fileio.posetrack_json`.
"""
import json
import os.path as osp
from typing import Dict, List, Sequence, Union

import numpy as np

from .posetrack_layout import (POSETRACK18_KEYPOINTS, SLOT_OF_JOINT,
                               person_category)


class PoseTrackVideoWriter:
    """Collect the predictions of one video and write its file.

    PoseTrack18 files are written with sorted keys and a 4-space indent
    (as mmpose's ``PoseTrack18Metric`` writes them), ``annolist`` files
    with a 4-space indent in the order above. Numbers are written as given
    (no rounding).

    Args:
        keypoint_names (Sequence[str]): Names of the K keypoint slots;
            PoseTrack18's 17 by default.
        annolist (bool): Write the PoseTrack17 ``annolist`` form (needs
            the 17 PoseTrack18 slots).
    """

    def __init__(self,
                 keypoint_names: Sequence[str] = POSETRACK18_KEYPOINTS,
                 annolist: bool = False) -> None:
        self.keypoint_names = tuple(keypoint_names)
        if annolist and self.keypoint_names != POSETRACK18_KEYPOINTS:
            raise ValueError('annolist files need the 17 PoseTrack18 '
                             f'keypoints, got {list(self.keypoint_names)}')
        self.annolist = annolist
        self.images: List[dict] = []
        self.annotations: List[dict] = []
        self._image_ids: set = set()

    def add_image(self, image_id: Union[int, str], file_name: str,
                  **extra) -> None:
        """Add a frame (every frame, also one without people).

        Args:
            image_id (int | str): Id the people of the frame refer to.
            file_name (str): ``file_name`` (``image[0].name`` in
                ``annolist`` files).
            **extra: More fields of the image record (PoseTrack18 only),
                e.g. ``frame_id``, ``vid_id``.
        """
        if extra and self.annolist:
            raise ValueError(f'annolist files have no image fields {extra}')
        if image_id in self._image_ids:
            raise ValueError(f'image id {image_id!r} was added twice')
        self._image_ids.add(image_id)
        self.images.append(dict(id=image_id, file_name=file_name, **extra))

    def add_person(self, image_id: Union[int, str], keypoints: np.ndarray,
                   score: float, track_id: int, **extra) -> None:
        """Add one predicted person.

        Args:
            image_id (int | str): Id of its frame, added before with
                :meth:`add_image`.
            keypoints (np.ndarray): ``(K, 3)``: x, y in pixels and score.
            score (float): Person score.
            track_id (int): Track id.
            **extra: More fields of the annotation (PoseTrack18 only),
                e.g. ``bbox``, ``category_id``.
        """
        kpts = np.asarray(keypoints, dtype=np.float64)
        if kpts.shape != (len(self.keypoint_names), 3):
            raise ValueError(
                f'image {image_id}, track {track_id}: keypoints must be '
                f'({len(self.keypoint_names)}, 3), got {kpts.shape}')
        if image_id not in self._image_ids:
            raise ValueError(f'image {image_id!r}, track {track_id}: no such '
                             'image (add_image first)')
        if not (np.isfinite(kpts).all() and np.isfinite(score)):
            raise ValueError(
                f'image {image_id!r}, track {track_id}: keypoints or score '
                'are NaN or infinite (a model with non-finite weights, or a '
                'non-finite input): not written, PoseTrack files hold '
                'finite numbers')
        if extra and self.annolist:
            raise ValueError(f'annolist files have no person fields {extra}')
        self.annotations.append(
            dict(image_id=image_id, keypoints=kpts.reshape(-1).tolist(),
                 scores=kpts[:, 2].tolist(), score=float(score),
                 track_id=int(track_id), **extra))

    def to_dict(self) -> dict:
        """The file's content."""
        if self.annolist:
            return dict(annolist=self._annolist())
        return dict(images=self.images, annotations=self.annotations,
                    categories=[person_category(self.keypoint_names)])

    def _annolist(self) -> List[dict]:
        """Frames in :meth:`add_image` order, people in ``poseval`` form."""
        rects: Dict = {image_id: [] for image_id in self._image_ids}
        for ann in self.annotations:
            kpts = np.reshape(ann['keypoints'], (-1, 3))[SLOT_OF_JOINT]
            points = [
                dict(id=[j], x=[x], y=[y], score=[s])
                for j, (x, y, s) in enumerate(kpts.tolist())
                if not (x == 0 and y == 0 and s == 0)
            ]
            rects[ann['image_id']].append(
                dict(annopoints=[dict(point=points)], score=[ann['score']],
                     track_id=[ann['track_id']]))
        return [
            dict(image=[dict(name=image['file_name'])],
                 annorect=rects[image['id']]) for image in self.images
        ]

    def dump(self, path: str) -> None:
        """Write the file (its folder must exist)."""
        folder = osp.dirname(path)
        if folder and not osp.isdir(folder):
            raise FileNotFoundError(f'output folder {folder} does not exist')
        with open(path, 'w') as f:
            json.dump(self.to_dict(), f, indent=4,
                      sort_keys=not self.annolist)
