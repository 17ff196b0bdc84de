# Copyright (c) fami-pose-mm contributors. All rights reserved.
from typing import Optional, Sequence

from mmpose.registry import DATASETS

from .posetrack_video_dataset import PoseTrackVideoDataset


@DATASETS.register_module()
class JhmdbVideoDataset(PoseTrackVideoDataset):
    """Sub-JHMDB person windows (15 joints, mmpose's ``jhmdb`` metainfo).

    Reads mmpose's COCO-style Sub-JHMDB files (``Sub{1,2,3}_train.json``,
    ``Sub{1,2,3}_test.json``, one pair per split). Like mmpose's
    ``JhmdbDataset``, the 1-based MATLAB coordinates of boxes and joints are
    shifted by -1 pixel.

    Frame-naming contract: all frames of a clip lie in one folder named
    after the clip (the folder of ``file_name``), named ``'{:05d}.png'``
    and 1-indexed (``00001.png`` .. ``%05d.png`` of ``nframes``). The key
    index is the number in the key file's name; offsets leaving the clip
    are clamped to its first/last frame.

    Args:
        frame_offsets (Sequence[int]): Default ``(-2, -1, 1, 2)``.
        frame_name_template (str, optional): Default ``'{:05d}.png'``.
        frame_index_base (int): Default ``1``.
        **kwargs: See :class:`PoseTrackVideoDataset`.
    """

    METAINFO: dict = dict(from_file='configs/_base_/datasets/jhmdb.py')
    coord_shift: float = 1.0

    def __init__(self,
                 frame_offsets: Sequence[int] = (-2, -1, 1, 2),
                 frame_name_template: Optional[str] = '{:05d}.png',
                 frame_index_base: int = 1,
                 **kwargs) -> None:
        super().__init__(
            frame_offsets=frame_offsets,
            frame_name_template=frame_name_template,
            frame_index_base=frame_index_base,
            **kwargs)
