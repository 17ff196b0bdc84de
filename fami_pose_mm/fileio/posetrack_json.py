# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Per-video PoseTrack JSON files: the one writer and the one reader.

The evaluation server, ``poseval``, :class:`PoseTrackAPMetric` and the
video inferencer all use one file per video, in one of two forms:

* PoseTrack18 (COCO-like)::

    {"images": [{"id": 10128340000, "file_name": "images/val/.../000000.jpg"}],
     "annotations": [{"image_id": 10128340000, "track_id": 0, "score": 0.8,
                      "keypoints": [x1, y1, s1, ..., x17, y17, s17],
                      "scores": [s1, ..., s17]}],
     "categories": [{"id": 1, "name": "person", "supercategory": "person",
                     "keypoints": ["nose", "head_bottom", ...]}]}

* PoseTrack17 (``annolist``): per frame ``image[0].name`` and
  ``annorect``; a person lists its joints as ``point`` entries with the
  ``poseval`` joint id (0-14) and one-element lists ``x``, ``y``,
  ``score``.

A slot counts as annotated (ground truth) or present (prediction) unless
it is exactly ``(0, 0, 0)``; the writer leaves such joints out of
``annolist`` files. A predicted joint without a score gets ``-9999``, as
in ``poseval``.
"""
import glob
import json
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from .posetrack_layout import (POSETRACK18_KEYPOINTS, POSEVAL_JOINTS,
                               SLOT_OF_JOINT, person_category)

#: Score given by ``poseval`` to a predicted joint without a score.
MISSING_SCORE = -9999.0


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


@dataclass
class PoseTrackFrame:
    """One frame, ground truth or prediction, in the 15-joint order.

    Args:
        name (str): Where the frame comes from (file and image id), for
            error messages.
        keypoints (np.ndarray): Joint positions in pixels, ``(N, 15, 2)``.
        valid (np.ndarray): Annotated (ground truth) or present
            (prediction) joints, bool ``(N, 15)``.
        scores (np.ndarray, optional): Joint scores of a prediction,
            ``(N, 15)``. Unused for ground truth.
        head_boxes (np.ndarray, optional): Ground-truth head boxes
            ``(N, 4)`` as ``x1, y1, x2, y2``; NaN where missing.
        ignore_regions (list[np.ndarray]): Ground-truth ignore polygons,
            each ``(M, 2)``.
    """
    name: str
    keypoints: np.ndarray
    valid: np.ndarray
    scores: Optional[np.ndarray] = None
    head_boxes: Optional[np.ndarray] = None
    ignore_regions: List[np.ndarray] = field(default_factory=list)

    @property
    def num_people(self) -> int:
        """int: Number of people in the frame."""
        return len(self.keypoints)


def _slot_map(names: Sequence[str], where: str) -> np.ndarray:
    """Index, for each of the 15 joints, of its slot in ``names``."""
    if len(names) not in (15, 17):
        raise ValueError(f'{where}: categories[0].keypoints must have 15 or '
                         f'17 names, got {len(names)}')
    missing = [n for n in POSEVAL_JOINTS if n not in names]
    if missing:
        raise ValueError(f'{where}: categories[0].keypoints lacks {missing}')
    return np.array([list(names).index(n) for n in POSEVAL_JOINTS])


def _check_lengths(anns: List[dict], key: str, num: int, where: str,
                   optional: bool = False) -> None:
    """Raise naming the first annotation whose ``key`` has a bad length."""
    for ann in anns:
        value = ann.get(key)
        if optional and not value:
            continue
        if value is None or len(value) != num:
            raise ValueError(
                f"{where}, annotation id {ann.get('id')}: {key} has "
                f"{0 if value is None else len(value)} values, expected {num}")


def _people_arrays(anns: List[dict], slots: np.ndarray, num_slots: int,
                   is_gt: bool, where: str) -> Tuple[np.ndarray, ...]:
    """Keypoints (A, 15, 2), validity (A, 15), scores (A, 15), heads (A, 4).

    A slot is valid unless it is exactly ``(0, 0, 0)``. Head boxes are
    ``x1, y1, x1 + w, y1 + h`` (NaN when ``bbox_head`` is absent); a
    prediction without (or with empty) ``scores`` gets ``-9999``.
    """
    if not anns:
        return (np.zeros((0, 15, 2)), np.zeros((0, 15), bool),
                np.zeros((0, 15)), np.zeros((0, 4)))
    _check_lengths(anns, 'keypoints', num_slots * 3, where)
    kpts = np.array([a['keypoints'] for a in anns], dtype=np.float64)
    kpts = kpts.reshape(len(anns), num_slots, 3)[:, slots]
    valid = ~((kpts[..., 0] == 0) & (kpts[..., 1] == 0) & (kpts[..., 2] == 0))
    scores = np.full((len(anns), 15), MISSING_SCORE)
    heads = np.full((len(anns), 4), np.nan)
    if is_gt:
        with_head = [i for i, a in enumerate(anns) if 'bbox_head' in a]
        _check_lengths([anns[i] for i in with_head], 'bbox_head', 4, where)
        if with_head:
            box = np.array([anns[i]['bbox_head'] for i in with_head],
                           dtype=np.float64)
            box[:, 2:] += box[:, :2]
            heads[with_head] = box
    else:
        with_scores = [i for i, a in enumerate(anns) if a.get('scores')]
        _check_lengths([anns[i] for i in with_scores], 'scores', num_slots,
                       where)
        if with_scores:
            scores[with_scores] = np.array(
                [anns[i]['scores'] for i in with_scores],
                dtype=np.float64)[:, slots]
    return kpts[..., :2], valid, scores, heads


def _ignore_regions(image: dict, where: str) -> List[np.ndarray]:
    """Polygons ``(M, 2)`` from ``ignore_regions_x`` / ``_y``."""
    if 'ignore_regions_x' not in image or 'ignore_regions_y' not in image:
        return []
    regions = []
    for xs, ys in zip(image['ignore_regions_x'], image['ignore_regions_y']):
        if not isinstance(xs, list) or not isinstance(ys, list):
            raise ValueError(f'{where}: ignore_regions_x/_y must be lists '
                             'of polygons (lists of coordinates)')
        num = min(len(xs), len(ys))
        regions.append(
            np.stack([np.asarray(xs[:num], dtype=np.float64),
                      np.asarray(ys[:num], dtype=np.float64)], axis=1))
    return regions


def _load_annolist(video: dict, is_gt: bool,
                   name: str) -> List[PoseTrackFrame]:
    """Frames of a PoseTrack17 (``annolist``) file, read as ``poseval``
    reads it: a joint is annotated / present when its id (0-14) is listed,
    the head box is the rect's ``x1, y1, x2, y2``."""
    frames = []
    for k, frame in enumerate(video['annolist']):
        image = (frame.get('image') or [{}])[0].get('name', '')
        where = f'{name}, frame {k} ({image})'
        rects = frame.get('annorect') or []
        kpts = np.zeros((len(rects), 15, 2))
        valid = np.zeros((len(rects), 15), dtype=bool)
        scores = np.full((len(rects), 15), MISSING_SCORE)
        heads = np.full((len(rects), 4), np.nan)
        for r, rect in enumerate(rects):
            if all(c in rect for c in ('x1', 'y1', 'x2', 'y2')):
                heads[r] = [rect[c][0] for c in ('x1', 'y1', 'x2', 'y2')]
            points = rect.get('annopoints') or [{}]
            for point in (points[0] or {}).get('point', []):
                j = (point.get('id') or [None])[0]
                if j is None or not 0 <= j < 15 or valid[r, j]:
                    continue
                kpts[r, j] = point['x'][0], point['y'][0]
                valid[r, j] = True
                if 'score' in point:
                    scores[r, j] = point['score'][0]
        regions = [
            np.array([[p['x'][0], p['y'][0]] for p in region['point']],
                     dtype=np.float64).reshape(-1, 2)
            for region in frame.get('ignore_regions') or []
        ] if is_gt else []
        frames.append(
            PoseTrackFrame(where, kpts, valid, None if is_gt else scores,
                           heads if is_gt else None, regions))
    return frames


def load_posetrack18_video(video: Union[str, dict],
                           is_gt: bool,
                           name: str = '') -> List[PoseTrackFrame]:
    """Load one per-video file into frames (file order).

    PoseTrack18 files (``images``/``annotations``) and PoseTrack17 files
    (``annolist``) are both read, as ``poseval`` reads both.

    Args:
        video (str | dict): Path of the JSON file, or its loaded content.
        is_gt (bool): Ground truth (reads head boxes and ignore regions)
            or prediction (reads ``scores``; missing scores become
            ``-9999`` as in ``poseval``).
        name (str): Name for error messages when ``video`` is a dict.

    Returns:
        list[PoseTrackFrame]: One entry per image, people in file order.
    """
    if isinstance(video, str):
        name = name or video
        with open(video) as f:
            video = json.load(f)
    if 'annolist' in video:
        return _load_annolist(video, is_gt, name)
    for key in ('images', 'annotations', 'categories'):
        if key not in video:
            raise ValueError(f'{name}: not a PoseTrack18 file, no "{key}"')
    if not video['categories']:
        raise ValueError(f'{name}: "categories" is empty')
    names = video['categories'][0].get('keypoints', [])
    slots = _slot_map(names, name)
    people: Dict[int, list] = {}
    for ann in video['annotations']:
        people.setdefault(ann.get('image_id'), []).append(ann)
    per_image = [people.get(image.get('id'), []) for image in video['images']]
    kpts, valid, scores, heads = _people_arrays(
        [a for anns in per_image for a in anns], slots, len(names), is_gt,
        name)
    bounds = np.cumsum([0] + [len(anns) for anns in per_image])
    frames = []
    for image, lo, hi in zip(video['images'], bounds[:-1], bounds[1:]):
        where = f"{name}, image id {image.get('id')}"
        frames.append(
            PoseTrackFrame(
                name=where, keypoints=kpts[lo:hi], valid=valid[lo:hi],
                scores=None if is_gt else scores[lo:hi],
                head_boxes=heads[lo:hi] if is_gt else None,
                ignore_regions=_ignore_regions(image, where) if is_gt else []))
    return frames


def load_posetrack18_folders(
        gt_dir: str, pred_dir: str
) -> Tuple[List[PoseTrackFrame], List[PoseTrackFrame], List[str]]:
    """Load every ground-truth video of ``gt_dir`` and its prediction.

    Frames are paired by position within a video, as ``poseval`` does;
    videos are taken in sorted file-name order.

    Args:
        gt_dir (str): Folder of official per-video ground-truth files.
        pred_dir (str): Folder with a prediction file of the same name for
            every ground-truth file.

    Returns:
        tuple: ground-truth frames, predicted frames (aligned lists) and
        the video file names.
    """
    gt_files = sorted(glob.glob(osp.join(gt_dir, '*.json')))
    if not gt_files:
        raise FileNotFoundError(f'no ground-truth *.json files in {gt_dir}')
    gt_frames, pred_frames, videos = [], [], []
    for gt_file in gt_files:
        base = osp.basename(gt_file)
        pred_file = osp.join(pred_dir, base)
        if not osp.isfile(pred_file):
            raise FileNotFoundError(
                f'prediction file {pred_file} does not exist (needed for '
                f'ground truth {gt_file})')
        gt = load_posetrack18_video(gt_file, is_gt=True)
        pred = load_posetrack18_video(pred_file, is_gt=False)
        if len(pred) != len(gt):
            raise ValueError(f'{pred_file}: {len(pred)} prediction frames but '
                             f'{len(gt)} ground-truth frames')
        gt_frames += gt
        pred_frames += pred
        videos.append(base)
    return gt_frames, pred_frames, videos
