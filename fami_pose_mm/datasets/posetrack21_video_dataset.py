# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""PoseTrack21 person windows (see :class:`PoseTrack21VideoDataset`)."""
from typing import Dict, List, Optional

from mmpose.registry import DATASETS

from fami_pose_mm.fileio.posetrack21_format import (box_only,
                                                    check_ignore_regions)
from .posetrack_video_dataset import PoseTrackVideoDataset


@DATASETS.register_module()
class PoseTrack21VideoDataset(PoseTrackVideoDataset):
    """PoseTrack21 (``posetrack_data``) person windows.

    The PoseTrack18 layout (:class:`PoseTrackVideoDataset`: the same
    17 keypoints, windows, ``'key'`` and ``'own'`` crops, detection files)
    read from a file merged from PoseTrack21's per-video files
    (``tools/dataset_converters/posetrack_to_coco_video.py posetrack21``),
    with what PoseTrack21 adds (:mod:`fami_pose_mm.fileio.posetrack21_format`):

    * every annotation must have ``person_id`` (a PoseTrack18 file is
      refused, naming the annotation); ``track_id`` links a person's boxes
      across frames for ``'own'`` crops;
    * box-only persons (a ``bbox``, no keypoints) give no sample (counted
      as ``'box-only person'`` in :attr:`skip_counts`) but their boxes are
      the person's boxes in those frames for ``'own'`` crops;
    * people of frames with ``is_labeled`` false give no sample
      (``'unlabelled frame'``);
    * ignore regions are checked (at least three points per polygon) and
      left to the metric, which removes the joints inside them.

    Args:
        **kwargs: :class:`PoseTrackVideoDataset`'s arguments.

    Raises:
        ValueError: Naming the file, image or annotation and the field, for
            an annotation without ``person_id`` or an ignore polygon of
            fewer than three points.
    """

    METAINFO: dict = dict(from_file='configs/_base_/datasets/posetrack18.py')

    def _check_annotations(self, images: Dict, anns: List[dict]) -> None:
        """The PoseTrack21 fields: ``person_id``, ignore polygons."""
        for n, ann in enumerate(anns):
            if 'person_id' not in ann:
                raise ValueError(
                    f'annotation file {self.ann_file}: annotation '
                    f'{ann.get("id")} (annotations[{n}], image '
                    f'{ann.get("image_id")}) has no person_id: not a '
                    'PoseTrack21 file (PoseTrack18 files are read by '
                    'PoseTrackVideoDataset)')
        for image_id, img in images.items():
            check_ignore_regions(img, f'annotation file {self.ann_file}: '
                                 f'image {image_id}')
        self._unlabelled = {i for i, img in images.items()
                            if not img.get('is_labeled', True)}

    def _parse_gt(self, ann: dict, img: dict) -> Optional[dict]:
        """A person with keypoints of a labelled frame; None (counted)
        for a box-only person or an unlabelled frame."""
        if img['id'] in self._unlabelled:
            self.skip_counts['unlabelled frame'] += 1
            return None
        if not ann.get('iscrowd', 0) and box_only(ann.get('keypoints')):
            self.skip_counts['box-only person'] += 1
            return None
        return super()._parse_gt(ann, img)
