# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Per-frame person boxes of ``crop_mode='own'``.

In ``'own'`` mode every frame of a window is cropped with the person's own
box in that frame: the box of the same ``track_id`` in the same video and
frame. :class:`TrackBoxIndex` holds these boxes, keyed by ``(video folder,
frame index, track id)``, built once per dataset load; its
:meth:`~TrackBoxIndex.window_boxes` gives a sample's ``frame_bboxes`` and
counts, per supporting frame, where its box came from (:data:`OWN_BOX` or
one of the fallback reasons, for which the key frame's box is used).
"""
from collections import Counter
from typing import Dict, Hashable, Optional, Sequence, Tuple

import numpy as np

#: The supporting frame's box is the person's own box in that frame (or
#: the frame is the key frame itself, at a video's edge).
OWN_BOX = 'own box'
#: Fallbacks to the key frame's box: the track has no box in that frame,
NOT_IN_FRAME = 'key box: track not annotated in frame'
#: the sample's person has no track id,
NO_TRACK_ID = 'key box: person has no track_id'
#: the track's box in that frame is empty after clipping to the image,
ZERO_AREA = 'key box: zero-area box in frame'
#: the detection file has no track ids at all.
UNTRACKED_FILE = 'key box: detection file has no track_id'
#: Two boxes of one track in one frame (the first is kept).
DUPLICATE = 'duplicate track_id in a frame (first box kept)'

FrameKey = Tuple[str, int, Hashable]


def clip_xywh(xywh: Sequence[float],
              width: int,
              height: int,
              shift: float = 0.0) -> Optional[np.ndarray]:
    """Clip an ``x, y, w, h`` box to the image.

    Args:
        xywh (Sequence[float]): The box in pixels (``x, y`` are shifted by
            ``-shift`` first, e.g. 1 for 1-based coordinates).
        width (int): Image width in pixels.
        height (int): Image height in pixels.
        shift (float): Subtracted from ``x`` and ``y``.

    Returns:
        np.ndarray, optional: ``(4,)`` float32 ``x1, y1, x2, y2`` inside
        ``[0, width - 1] x [0, height - 1]``, or ``None`` when the clipped
        box has no area.
    """
    x, y, w, h = (float(v) for v in xywh[:4])
    x, y = x - shift, y - shift
    x_max, y_max = width - 1, height - 1
    x1, x2 = min(max(x, 0), x_max), min(max(x + w, 0), x_max)
    y1, y2 = min(max(y, 0), y_max), min(max(y + h, 0), y_max)
    if x2 <= x1 or y2 <= y1:
        return None
    return np.array([x1, y1, x2, y2], dtype=np.float32)


def frame_box_summary(counts: Counter) -> str:
    """One line on where the supporting frames' boxes came from.

    Args:
        counts (Counter): Supporting frames by source (the dataset's
            ``frame_box_counts``).

    Returns:
        str: e.g. ``'57 supporting frames with their own box, 3 with the
        key box (track not annotated in frame: 3)'``.
    """
    prefix = 'key box: '
    fallbacks = {k: v for k, v in counts.items() if k.startswith(prefix)}
    reasons = ', '.join(f'{k[len(prefix):]}: {v}'
                        for k, v in fallbacks.items())
    other = ''.join(f'; {k}: {v}' for k, v in counts.items()
                    if k != OWN_BOX and k not in fallbacks)
    return (f'{counts[OWN_BOX]} supporting frames with their own box, '
            f'{sum(fallbacks.values())} with the key box '
            f'({reasons or "none"}){other}')


class TrackBoxIndex:
    """Boxes of tracked people, keyed by ``(video, frame, track)``.

    Args:
        counts (Counter): Where :meth:`add` counts duplicates and
            :meth:`window_boxes` counts the source of every supporting
            frame's box (the dataset's ``frame_box_counts``).
    """

    def __init__(self, counts: Counter) -> None:
        self.counts = counts
        self._boxes: Dict[FrameKey, Optional[np.ndarray]] = {}

    def __len__(self) -> int:
        return len(self._boxes)

    def add(self, video: str, frame: int, track: Hashable,
            box: Optional[np.ndarray]) -> None:
        """Record the box of ``track`` in ``frame`` of ``video``.

        Args:
            video (str): The video (its frame folder).
            frame (int): The frame index (from the frame's file name).
            track (Hashable): The track id.
            box (np.ndarray, optional): ``(4,)`` float32 xyxy, clipped;
                ``None`` for a box with no area after clipping.
        """
        key = (video, frame, track)
        if key in self._boxes:
            self.counts[DUPLICATE] += 1
        else:
            self._boxes[key] = box

    def window_boxes(self,
                     key_box: np.ndarray,
                     video: str,
                     key_index: int,
                     indices: Sequence[int],
                     track: Optional[Hashable],
                     no_track: str = NO_TRACK_ID) -> np.ndarray:
        """The boxes of one sample's frames, key frame first.

        Args:
            key_box (np.ndarray): ``(4,)`` the sample's (key frame's) box,
                xyxy pixels.
            video (str): The video (its frame folder).
            key_index (int): The key frame's index.
            indices (Sequence[int]): The supporting frames' indices, in
                ``frame_offsets`` order.
            track (Hashable, optional): The person's track id.
            no_track (str): The reason counted when ``track`` is None.

        Returns:
            np.ndarray: ``(T, 4)`` float32 xyxy, ``T = 1 + len(indices)``;
            row ``t`` is the track's box in frame ``t``, or ``key_box``
            (a fallback, counted by reason in :attr:`counts`).
        """
        rows = [key_box]
        for index in indices:
            box, reason = key_box, OWN_BOX
            if index == key_index:
                pass
            elif track is None:
                reason = no_track
            elif (video, index, track) not in self._boxes:
                reason = NOT_IN_FRAME
            elif self._boxes[(video, index, track)] is None:
                reason = ZERO_AREA
            else:
                box = self._boxes[(video, index, track)]
            rows.append(box)
            self.counts[reason] += 1
        return np.stack(rows).astype(np.float32)
