# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""A ring buffer that turns a frame stream into multi-frame windows."""
from collections import OrderedDict
from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

import numpy as np

from ..utils.frame_offsets import check_frame_offsets, clamp_window


@dataclass
class FrameWindow:
    """The frames the model needs for one key frame.

    Attributes:
        index (int): 0-based index of the key frame.
        name (str): Name of the key frame.
        frames (list[np.ndarray]): ``1 + N`` BGR images (H, W, 3): the key
            frame first, then one per frame offset in offset order.
        names (list[str]): Names of ``frames``, same order.
        sources (list[int]): Frame index used for each entry of ``frames``
            (differs from ``index + offset`` where edge padding applied).
    """
    index: int
    name: str
    frames: List[np.ndarray]
    names: List[str]
    sources: List[int]


class FrameWindowBuffer:
    """Hold the last few frames and emit a window per key frame.

    Key frame ``t`` is emitted once frame ``t + max(offsets)`` has been
    pushed (or at :meth:`flush`), so output is delayed by the largest
    positive offset. Frames older than ``t - max(-offsets)`` are dropped, so
    at most ``max(-offsets) + max(offsets) + 1`` frames are held however
    long the stream is. A neighbour outside the sequence is replaced by the
    nearest existing frame (edge padding), which also makes sequences
    shorter than the window work. Offsets and padding follow
    :mod:`fami_pose_mm.utils.frame_offsets`, as the datasets do.

    Args:
        frame_offsets (Sequence[int]): Offsets of the supporting frames
            relative to the key frame, e.g. ``(-2, -1, 1, 2)``; ``()`` for a
            single-frame model; all ``<= 0`` for online (live) use.

    Raises:
        ValueError: If an offset is 0 or repeated, or not an int.
    """

    def __init__(self, frame_offsets: Sequence[int]) -> None:
        self.frame_offsets: Tuple[int, ...] = check_frame_offsets(
            frame_offsets)
        self.before = max([0] + [-d for d in self.frame_offsets])
        self.after = max([0] + list(self.frame_offsets))
        self.capacity = self.before + self.after + 1
        self._frames: Dict[int, Tuple[str, np.ndarray]] = OrderedDict()
        self._next_key = 0
        self._last = -1

    def __len__(self) -> int:
        """Number of frames currently held."""
        return len(self._frames)

    def push(self, name: str, frame: np.ndarray) -> List[FrameWindow]:
        """Add the next frame of the stream.

        Args:
            name (str): Frame name.
            frame (np.ndarray): BGR image (H, W, 3).

        Returns:
            list[FrameWindow]: The windows that became complete (zero or
            one).
        """
        self._last += 1
        self._frames[self._last] = (name, frame)
        ready = []
        if self._next_key + self.after <= self._last:
            ready.append(self._emit())
        return ready

    def flush(self) -> List[FrameWindow]:
        """Emit the windows of the remaining key frames (end of stream)."""
        ready = []
        while self._next_key <= self._last:
            ready.append(self._emit())
        return ready

    def _emit(self) -> FrameWindow:
        key = self._next_key
        # frames up to self._last exist; later ones are only missing at the
        # end of the stream (flush), when self._last is the video's last
        sources = [key] + clamp_window(key, self.frame_offsets,
                                       nframes=self._last + 1)
        names = [self._frames[s][0] for s in sources]
        frames = [self._frames[s][1] for s in sources]
        self._next_key += 1
        oldest = self._next_key - self.before
        for index in [i for i in self._frames if i < oldest]:
            del self._frames[index]
        return FrameWindow(key, names[0], frames, names, sources)
