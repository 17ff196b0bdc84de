# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""A ring buffer that turns a frame stream into multi-frame windows."""
from collections import OrderedDict
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from ..utils.frame_offsets import ClipWindow, clamp_window


@dataclass
class FrameWindow:
    """The frames the model needs for one key frame.

    Attributes:
        index (int): 0-based index of the key frame.
        name (str): Name of the key frame.
        frames (list[np.ndarray]): ``1 + N`` BGR images (H, W, 3) of one
            size: the key frame first, then one per frame offset in offset
            order. ``[None]`` if the key frame cannot be decoded.
        names (list[str]): Names of ``frames``, same order.
        sources (list[int]): Frame index used for each entry of ``frames``
            (differs from ``index + offset`` where edge padding applied or
            an undecodable frame was replaced).
    """
    index: int
    name: str
    frames: List[Optional[np.ndarray]]
    names: List[str]
    sources: List[int]

    @property
    def readable(self) -> bool:
        """Whether the key frame was decoded."""
        return self.frames[0] is not None


class FrameWindowBuffer:
    """Hold the last few frames and emit a window per key frame.

    Key frame ``t`` is emitted once frame ``t + max(offsets)`` has been
    pushed (or at :meth:`flush`), so output is delayed by the largest
    positive offset. Frames older than ``t - max(-offsets)`` are dropped, so
    at most ``max(-offsets) + max(offsets) + 1`` frames are held however
    long the stream is. A neighbour outside the sequence is replaced by the
    nearest existing frame (edge padding), which also makes sequences
    shorter than the window work. Offsets and padding follow
    :mod:`fami_pose_mm.utils.frame_offsets`, as the datasets do. A frame
    pushed as ``None`` (not decodable) gives a window with ``frames ==
    [None]`` as key frame, and in the windows of its neighbours is
    replaced by the nearest decodable frame held (the key frame at worst).

    Args:
        window (ClipWindow | Sequence[int]): The checked window, or the
            offsets of the supporting frames relative to the key frame,
            e.g. ``(-2, -1, 1, 2)``; ``()`` for a single-frame model; all
            ``<= 0`` for online (live) use.

    Raises:
        ValueError: If an offset is 0 or repeated, or not an int; from
            :meth:`push` / :meth:`flush`, if the frames of a window differ
            in size (the message names both frames).
    """

    def __init__(self, window: Union[ClipWindow, Sequence[int]]) -> None:
        self.window = ClipWindow.of(window)
        self.frame_offsets = self.window.offsets
        self.before, self.after = self.window.before, self.window.after
        self.capacity = self.window.capacity
        self._frames: Dict[int, Tuple[str, Optional[np.ndarray]]] = \
            OrderedDict()
        self._next_key = 0
        self._last = -1

    def __len__(self) -> int:
        """Number of frames currently held."""
        return len(self._frames)

    def push(self, name: str,
             frame: Optional[np.ndarray]) -> List[FrameWindow]:
        """Add the next frame of the stream.

        Args:
            name (str): Frame name.
            frame (np.ndarray, optional): BGR image (H, W, 3); None if it
                cannot be decoded.

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
        sources = [key]
        if self._frames[key][1] is not None:  # else: no window, no model
            sources += clamp_window(key, self.frame_offsets,
                                    nframes=self._last + 1)
            sources = [self._decodable(s, key) for s in sources]
        names = [self._frames[s][0] for s in sources]
        frames = [self._frames[s][1] for s in sources]
        self._next_key += 1
        oldest = self._next_key - self.before
        for index in [i for i in self._frames if i < oldest]:
            del self._frames[index]
        window = FrameWindow(key, names[0], frames, names, sources)
        _check_one_size(window)
        return window

    def _decodable(self, source: int, key: int) -> int:
        """``source``, or the held decodable frame nearest to it (ties:
        the one nearer the key frame)."""
        held = [i for i, (_, frame) in self._frames.items()
                if frame is not None]
        return min(held, key=lambda i: (abs(i - source), abs(i - key)))


def _check_one_size(window: FrameWindow) -> None:
    """All frames of a window have the key frame's size."""
    if not window.readable:
        return
    key = window.frames[0].shape
    for frame, name, source in zip(window.frames, window.names,
                                   window.sources):
        if frame.shape != key:
            raise ValueError(
                f'frame {source} ({name}) is {frame.shape[1]}x'
                f'{frame.shape[0]}, key frame {window.index} ({window.name}) '
                f'{key[1]}x{key[0]}: the frames of a window must have one '
                'size (each is cropped with the key frame\'s box)')
