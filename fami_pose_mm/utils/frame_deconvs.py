# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The rule for ``frame_deconvs`` (how many of a heatmap head's
deconvolutions run per frame, before the neck), in one place for the
drop-in config (:func:`fami_pose_mm.utils.drop_in.video_config`) and the
model (:class:`fami_pose_mm.models.heads.FrameDeconvHeatmapHead`)."""
from typing import Any


def check_frame_deconvs(value: Any, num_deconvs: int, setting: str) -> int:
    """Return ``value`` if it is an int from 1 to ``num_deconvs``.

    Args:
        value: The ``frame_deconvs`` setting.
        num_deconvs (int): The head's number of deconvolution layers.
        setting (str): The head's config path, for the message.

    Raises:
        ValueError: Naming the value, the head and its number of layers.
    """
    if (not isinstance(value, int) or isinstance(value, bool)
            or not 1 <= value <= num_deconvs):
        raise ValueError(
            f'frame_deconvs must be an int from 1 to the number of '
            f'deconvolution layers of {setting} ({num_deconvs}), got '
            f'{value!r}')
    return value
