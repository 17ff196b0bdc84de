# Copyright (c) fami-pose-mm contributors. All rights reserved.
import os.path as osp
import warnings
from collections import Counter
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.logging import print_log
from mmengine.registry import DefaultScope
from mmpose.datasets.datasets.base import BaseCocoStyleDataset
from mmpose.registry import DATASETS

from fami_pose_mm.fileio import filter_detections
from ..utils.crop_modes import check_crop_mode
from ..utils.frame_offsets import check_frame_offsets, clamp_window
from .frame_boxes import (NO_TRACK_ID, UNTRACKED_FILE, TrackBoxIndex,
                          clip_xywh, frame_box_summary)
from .transforms import check_clip_pipeline
from .video_annotation_io import (load_detections, load_video_annotations,
                                  read_box, read_person)
from .video_frames import (check_missing_frame, parse_frame_index,
                           resolve_template, split_frame_file)


@DATASETS.register_module()
class PoseTrackVideoDataset(BaseCocoStyleDataset):
    """PoseTrack17/18 person windows: a key frame and its supporting frames.

    Each sample is one person box of a key frame. It carries the key frame
    path (``img_path``, a str) and the supporting frame paths
    (``supporting_img_paths``, in the order of ``frame_offsets``). With
    ``crop_mode='key'`` (the paper) all frames are later cropped with the
    key frame's box. With ``crop_mode='own'`` each sample also carries
    ``frame_bboxes``, ``(T, 4)`` float32 xyxy pixels, key frame first, then
    ``frame_offsets`` order: the box of the same ``track_id`` in each
    supporting frame (clipped like the key box), or the key box when the
    person is not annotated in that frame, has no track id, or its box
    there has no area; counted in :attr:`frame_box_counts`. With
    ``bbox_file``, the detections' ``track_id`` link the frames; a file
    without any track id gives the key box for every frame (one warning).
    The pipeline then uses the clip transforms
    (:mod:`fami_pose_mm.datasets.transforms.clip_bbox_transforms`).

    Frame-naming contract: a video's frames lie in one folder, the folder of
    the key frame's ``file_name``; frame ``i`` is named
    ``frame_name_template.format(i)``, indices run from
    ``frame_index_base`` to ``frame_index_base + nframes - 1`` (``nframes``
    is read from the image record). The key index is the number in the key
    file's name. PoseTrack18: ``'{:06d}.jpg'``, base 0 (``000000.jpg``).
    PoseTrack17 in the PoseWarper/DCPose layout: ``'{:08d}.jpg'``, base 1
    (``00000001.jpg``). ``frame_name_template=None`` keeps the digit count
    and suffix of the key file's name. Offsets that leave the video are
    clamped to its first/last frame (the key frame for a one-frame video).

    Args:
        ann_file (str): COCO-style file (images carry ``nframes``).
        data_root (str, optional): Root of ``ann_file`` and the frames.
        data_prefix (dict): ``dict(img=...)``, prefix of ``file_name``.
        frame_offsets (Sequence[int]): Supporting frame offsets, distinct
            non-zero ints, in the order the frames are stacked after the
            key frame (see :mod:`fami_pose_mm.utils.frame_offsets`).
            Default ``(-2, -1, 1, 2)``.
        frame_name_template (str, optional): See above.
        frame_index_base (int): Index of a video's first frame (0 or 1).
        bbox_file (str, optional): Detected boxes to use instead of the
            ground truth (``test_mode`` only).
        det_score_thr (float): Detections scoring below are dropped.
        missing_frame (str): ``'error'`` or ``'nearest'``, what
            ``LoadVideoFrames`` does about a missing supporting frame.
        crop_mode (str): ``'key'`` (every frame cropped with the key
            frame's box) or ``'own'`` (each frame with the person's own
            box in it, ``frame_bboxes``). Default ``'key'``.
        **kwargs: Other :class:`BaseCocoStyleDataset` arguments. When no
            mmengine default scope is set (the dataset built directly,
            outside a runner), the registry names of ``pipeline`` are
            looked up in the ``mmpose`` scope.
    """

    METAINFO: dict = dict(from_file='configs/_base_/datasets/posetrack18.py')
    coord_shift: float = 0.0  # subtracted from raw x/y (JHMDB is 1-based)

    def __init__(self,
                 ann_file: str = '',
                 data_root: Optional[str] = None,
                 data_prefix: dict = dict(img=''),
                 frame_offsets: Sequence[int] = (-2, -1, 1, 2),
                 frame_name_template: Optional[str] = '{:06d}.jpg',
                 frame_index_base: int = 0,
                 bbox_file: Optional[str] = None,
                 det_score_thr: float = 0.2,
                 missing_frame: str = 'error',
                 crop_mode: str = 'key',
                 **kwargs) -> None:
        offsets = check_frame_offsets(frame_offsets)
        check_missing_frame(missing_frame)
        check_crop_mode(crop_mode)
        if frame_index_base not in (0, 1):
            raise ValueError(
                f'frame_index_base must be 0 or 1, got {frame_index_base}')
        if not 0.0 <= det_score_thr <= 1.0:
            raise ValueError(
                f'det_score_thr must be in [0, 1], got {det_score_thr}')
        self.frame_offsets = offsets
        self.frame_name_template = frame_name_template
        self.frame_index_base = frame_index_base
        self.det_score_thr = det_score_thr
        self.missing_frame = missing_frame
        self.crop_mode = crop_mode
        self.skip_counts: Counter = Counter()
        self.frame_box_counts: Counter = Counter()
        # Outside a runner no default scope may be set: build the
        # pipeline's registry names in mmpose's scope then, for this call
        # only (the global scope is left as it is).
        scope = None if DefaultScope.get_current_instance() else 'mmpose'
        with DefaultScope.overwrite_default_scope(scope):
            super().__init__(
                ann_file=ann_file,
                bbox_file=bbox_file,
                data_root=data_root,
                data_prefix=data_prefix,
                **kwargs)
        if crop_mode == 'own':
            check_clip_pipeline(
                self.pipeline.transforms,
                f"{self.__class__.__name__}(crop_mode='own')")

    def load_data_list(self) -> List[dict]:
        """Build one record per person (GT) or per detected box.

        Raises:
            ValueError: If no sample is left (every person or box skipped);
                the message names the file and the skip counts.
        """
        if self.data_mode != 'topdown':
            raise ValueError(f'{self.__class__.__name__} supports only '
                             f"data_mode='topdown', got {self.data_mode!r}")
        self.skip_counts = Counter()
        self.frame_box_counts = Counter()
        self._windows: Dict = {}
        self._track_boxes = TrackBoxIndex(self.frame_box_counts)
        self._untracked_file = False
        images, anns, cats = load_video_annotations(self.ann_file)
        self._check_annotations(images, anns)
        if cats:
            self._metainfo['CLASSES'] = cats
        if self.bbox_file:
            data_list = self._load_detection_instances(images)
        else:
            if self.crop_mode == 'own':
                self._index_gt_boxes(images, anns)
            data_list = [
                info for info in (self._parse_gt(a, images[a['image_id']])
                                  for a in anns) if info is not None
            ]
        del self._windows, self._track_boxes
        skipped = ', '.join(f'{k}: {v}' for k, v in self.skip_counts.items())
        source = f'{self.bbox_file or self.ann_file}' + (
            f' (skipped {skipped})' if skipped else '')
        if not data_list:
            raise ValueError(f'{self.__class__.__name__}: no sample in '
                             f'{source}')
        print_log(
            f'{self.__class__.__name__}: {len(data_list)} samples from '
            f'{source}', logger='current')
        if self.crop_mode == 'own':
            print_log(
                f"{self.__class__.__name__}: crop_mode='own': "
                f'{frame_box_summary(self.frame_box_counts)}',
                logger='current')
        return data_list

    def _check_annotations(self, images: Dict, anns: List[dict]) -> None:
        """What a subclass checks of the loaded file before the records are
        built (nothing here)."""

    def _window(self, img: dict) -> dict:
        """Key frame path, supporting paths and indices of an image (a new
        dict per call; computed once per image)."""
        if img['id'] not in self._windows:
            self._windows[img['id']] = self._compute_window(img)
        return dict(self._windows[img['id']])

    def _compute_window(self, img: dict) -> dict:
        folder, key_file = split_frame_file(img['file_name'])
        try:
            key_index = parse_frame_index(key_file)
        except ValueError as e:
            raise ValueError(f'annotation file {self.ann_file}: image '
                             f'{img["id"]}: {e}') from None
        template = resolve_template(self.frame_name_template, key_file)
        frame_dir = osp.join(self.data_prefix['img'], folder)
        indices = clamp_window(key_index, self.frame_offsets,
                               int(img['nframes']), self.frame_index_base)
        return dict(
            img_id=img['id'],
            img_path=osp.join(frame_dir, key_file),
            supporting_img_paths=[
                osp.join(frame_dir, template.format(i)) for i in indices
            ],
            supporting_frame_indices=indices,
            frame_offsets=self.frame_offsets,
            key_frame_index=key_index,
            frame_dir=frame_dir,
            frame_name_template=template,
            nframes=int(img['nframes']),
            vid_id=str(img.get('vid_id', folder)),
            missing_frame=self.missing_frame,
            ori_shape=(int(img['height']), int(img['width'])))

    def _clip_box(self, xywh: Sequence[float],
                  img: dict) -> Optional[np.ndarray]:
        """Clip an xywh box to the image: ``(1, 4)`` xyxy, or ``None``
        (counted as a skipped sample) if empty."""
        box = clip_xywh(xywh, img['width'], img['height'], self.coord_shift)
        if box is None:
            self.skip_counts['zero-area box'] += 1
            return None
        return box[None]

    def _index_gt_boxes(self, images: Dict, anns: List[dict]) -> None:
        """Index every tracked, non-crowd person box by (video, frame,
        track), clipped like a key box (``crop_mode='own'``)."""
        for ann in anns:
            if ann.get('iscrowd', 0) or ann.get('track_id') is None \
                    or 'bbox' not in ann:
                continue
            img = images[ann['image_id']]
            window = self._window(img)
            box = clip_xywh(read_box(ann, self.ann_file), img['width'],
                            img['height'], self.coord_shift)
            self._track_boxes.add(window['frame_dir'],
                                  window['key_frame_index'],
                                  ann['track_id'], box)

    def _add_frame_boxes(self, info: dict, track) -> None:
        """Set ``info['frame_bboxes']`` (``crop_mode='own'`` only)."""
        if self.crop_mode != 'own':
            return
        info['frame_bboxes'] = self._track_boxes.window_boxes(
            info['bbox'][0], info['frame_dir'], info['key_frame_index'],
            info['supporting_frame_indices'],
            None if self._untracked_file else track,
            UNTRACKED_FILE if self._untracked_file else NO_TRACK_ID)

    def _parse_gt(self, ann: dict, img: dict) -> Optional[dict]:
        """One ground-truth person; ``None`` (counted) when unusable."""
        num_kpts = self._metainfo['num_keypoints']  # no deepcopy
        if ann.get('iscrowd', 0):
            self.skip_counts['crowd'] += 1
            return None
        if 'bbox' not in ann or not ann.get('keypoints'):
            self.skip_counts['no box or keypoints'] += 1
            return None
        kpts, xywh, area = read_person(ann, self.ann_file, num_kpts)
        raw = kpts[None]
        visible = np.minimum(1, raw[..., 2])
        if not visible.any() or raw[..., :2].max() <= 0:
            self.skip_counts['no labelled keypoint'] += 1
            return None
        bbox = self._clip_box(xywh, img)
        if bbox is None:
            return None
        info = self._window(img)
        info.update(
            bbox=bbox,
            bbox_score=np.ones(1, dtype=np.float32),
            keypoints=raw[..., :2] - self.coord_shift,
            keypoints_visible=visible,
            num_keypoints=int(visible.sum()),
            area=np.array(area if area is not None else
                          (bbox[0, 2] - bbox[0, 0]) *
                          (bbox[0, 3] - bbox[0, 1]), np.float32),
            iscrowd=0,
            id=ann['id'],
            category_id=np.array(ann.get('category_id', 1)),
            raw_ann_info=ann)
        if ann.get('track_id') is not None:
            info['track_id'] = ann['track_id']
        self._add_frame_boxes(info, ann.get('track_id'))
        return info

    def _load_detection_instances(self, images: Dict) -> List[dict]:
        """One record per kept detection (the rule of
        :mod:`fami_pose_mm.fileio.detection_file`: person, score >=
        det_score_thr)."""
        num_kpts = self._metainfo['num_keypoints']  # no deepcopy
        data_list = []
        dets, dropped = filter_detections(
            load_detections(self.bbox_file, images), self.det_score_thr)
        self.skip_counts.update(dropped)
        if self.crop_mode == 'own':
            self._index_detections(images, dets)
        for det in dets:
            img = images[det.image_id]
            bbox = self._clip_box(det.bbox, img)
            if bbox is None:
                continue
            info = self._window(img)
            info.update(
                bbox=bbox,
                bbox_score=np.array([det.score], dtype=np.float32),
                keypoints=np.zeros((1, num_kpts, 2), dtype=np.float32),
                keypoints_visible=np.ones((1, num_kpts), dtype=np.float32),
                id=len(data_list),
                category_id=np.array(1))
            if det.track_id is not None:
                info['track_id'] = det.track_id
            self._add_frame_boxes(info, det.track_id)
            data_list.append(info)
        return data_list

    def _index_detections(self, images: Dict, dets: list) -> None:
        """Index the kept detections with a track id by (video, frame,
        track); warn once when the file has no track id at all."""
        tracked = [det for det in dets if det.track_id is not None]
        if dets and not tracked:
            self._untracked_file = True
            warnings.warn(
                f"{self.__class__.__name__}(crop_mode='own'): detection "
                f'file {self.bbox_file} has no track_id, so the frames of a '
                'window cannot be linked: every frame is cropped with the '
                "key frame's box (as in crop_mode='key')")
        for det in tracked:
            img = images[det.image_id]
            window = self._window(img)
            self._track_boxes.add(
                window['frame_dir'], window['key_frame_index'], det.track_id,
                clip_xywh(det.bbox, img['width'], img['height'],
                          self.coord_shift))
