# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Per-track backbone features of a frame stream, assembled into clips.

Streaming inference of a ``crop_mode='own'`` model computes the backbone
feature of every person in every frame once, as the frame is read, and
reuses it in every window it falls in. :class:`FeatureStream` holds those
features per frame and track (:class:`TrackFeatureCache`), emits one
:class:`StreamWindow` per key frame once its last supporting frame has been
read (output delayed by the largest positive offset, as
:class:`~.frame_window.FrameWindowBuffer`), and evicts the frames no later
key frame needs: at most ``max(-offsets, 0) + max(offsets, 0) + 1`` frames
of features are held.

Missing-frame rule: the supporting frame ``t + d`` of a person (track) of
key frame ``t`` is the frame of that track nearest to ``t + d`` among the
frames ``t - max(-offsets, 0) .. t + max(offsets, 0)`` that exist (ties:
the one nearer the key frame; the key frame itself at worst, which always
has the person). Where the track is in frame ``t + d`` that is the frame
itself; at a video's edge it is the nearest existing frame, as
:func:`~fami_pose_mm.utils.frame_offsets.clamp_window` pads. A frame of
the video (undecodable ones included) without the track is counted in
:attr:`FeatureStream.substituted` and, when the key frame's own feature
stands in, also in :attr:`FeatureStream.from_key`.
"""
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import (Callable, Deque, Dict, List, NamedTuple, Optional,
                    Sequence, Tuple, Union)

import numpy as np
from mmpose.structures import PoseDataSample
from torch import Tensor

from ..utils.frame_offsets import ClipWindow
from .frame_window import FrameWindow


@dataclass
class PersonFeature:
    """One person in one frame, through the backbone once.

    Attributes:
        feat (Tensor): (C, h, w) backbone feature of the person's crop.
        flip_feat (Tensor, optional): (C, h, w) feature of the horizontally
            flipped crop (flip test), else None.
        warp_mat (np.ndarray): (2, 3) float32 affine, original frame pixels
            -> model input pixels of the crop.
        sample (PoseDataSample): The crop's packed sample (box, ``input_*``
            metainfo); used when the frame is the key frame.
    """
    feat: Tensor
    flip_feat: Optional[Tensor]
    warp_mat: np.ndarray
    sample: PoseDataSample


class FrameFeatures(NamedTuple):
    """What one decoded frame gives: boxes (N, 5) ``x1, y1, x2, y2,
    score``, track ids (N, ) int64 (unique) and one
    :class:`PersonFeature` per box, in box order."""
    boxes: np.ndarray
    track_ids: np.ndarray
    persons: List[PersonFeature]


@dataclass
class TrackClip:
    """The T features of one person of a key frame, key frame first, then
    one per offset; ``frames`` (T ints) says which frame each came from."""
    persons: List[PersonFeature]
    frames: List[int]


@dataclass
class StreamWindow(FrameWindow):
    """A key frame of the stream (``frames == [image]``, or ``[None]`` if
    undecodable) with its persons: ``boxes`` (N, 5), ``track_ids`` (N, )
    and one :class:`TrackClip` each (N = 0 for an undecodable frame)."""
    boxes: np.ndarray = field(default_factory=lambda: np.zeros((0, 5)))
    track_ids: np.ndarray = field(
        default_factory=lambda: np.zeros(0, np.int64))
    clips: List[TrackClip] = field(default_factory=list)


class TrackFeatureCache:
    """``frame index -> {track id: PersonFeature}`` for the frames held."""

    def __init__(self) -> None:
        self._frames: Dict[int, Dict[int, PersonFeature]] = OrderedDict()

    def __len__(self) -> int:
        """Number of frames held (undecodable ones too, empty)."""
        return len(self._frames)

    @property
    def num_entries(self) -> int:
        """Number of person-frame features held."""
        return sum(len(tracks) for tracks in self._frames.values())

    @property
    def frame_indices(self) -> List[int]:
        """Indices of the frames held, ascending."""
        return list(self._frames)

    def add(self, index: int, persons: Dict[int, PersonFeature]) -> None:
        """Hold the features of frame ``index`` (``{}``: nobody, or
        undecodable)."""
        self._frames[index] = persons

    def get(self, index: int, track: int) -> Optional[PersonFeature]:
        """The feature of ``track`` in frame ``index``, None if absent."""
        return self._frames.get(index, {}).get(track)

    def evict_before(self, index: int) -> None:
        """Drop the frames older than ``index``."""
        for old in [i for i in self._frames if i < index]:
            del self._frames[old]


class FeatureStream:
    """Turn a frame stream into key-frame windows of cached features.

    Has the interface of :class:`~.frame_window.FrameWindowBuffer`
    (:meth:`push` per frame, :meth:`flush` at the end), so the inferencer
    runs either the same way.

    Args:
        window (ClipWindow | Sequence[int]): The checked window, or the
            supporting-frame offsets, e.g. ``(-2, -1, 1, 2)``; all ``<= 0``
            for online use.
        features_of (Callable): ``features_of(index, name, frame) ->
            FrameFeatures`` for a decoded frame (boxes, tracking and the
            backbone, in frame order).

    Raises:
        ValueError: If an offset is 0, repeated or not an int.
    """

    def __init__(self, window: Union[ClipWindow, Sequence[int]],
                 features_of: Callable[[int, str, np.ndarray],
                                       FrameFeatures]) -> None:
        self.window = ClipWindow.of(window)
        self.frame_offsets = self.window.offsets
        self.before, self.after = self.window.before, self.window.after
        self.capacity = self.window.capacity
        self.features_of = features_of
        self.cache = TrackFeatureCache()
        self._pending: Deque[Tuple[int, str, Optional[np.ndarray],
                                   Optional[FrameFeatures]]] = deque()
        self._last = -1
        self.substituted = 0
        self.from_key = 0
        self.peak_frames = 0

    def push(self, name: str,
             frame: Optional[np.ndarray]) -> List[StreamWindow]:
        """Add the next frame: boxes, tracks and features now, the windows
        that became complete back (zero or one).

        Args:
            name (str): Frame name.
            frame (np.ndarray, optional): BGR image (H, W, 3); None if it
                cannot be decoded (no boxes, tracks or features).

        Returns:
            list[StreamWindow]: The key frames ready.
        """
        self._last += 1
        found = None
        if frame is not None:
            found = self.features_of(self._last, name, frame)
        self.cache.add(self._last, {} if found is None else dict(
            zip(found.track_ids.tolist(), found.persons)))
        self.peak_frames = max(self.peak_frames, len(self.cache))
        self._pending.append((self._last, name, frame, found))
        if self._pending[0][0] + self.after <= self._last:
            return [self._emit()]
        return []

    def flush(self) -> List[StreamWindow]:
        """Emit the remaining key frames (end of stream)."""
        return [self._emit() for _ in range(len(self._pending))]

    def _emit(self) -> StreamWindow:
        index, name, frame, found = self._pending.popleft()
        window = StreamWindow(index, name, [frame], [name], [index])
        if found is not None:
            window.boxes, window.track_ids = found.boxes, found.track_ids
            window.clips = [
                self._clip(index, int(track)) for track in found.track_ids
            ]
        self.cache.evict_before(index + 1 - self.before)
        return window

    def _clip(self, key: int, track: int) -> TrackClip:
        """The T features of ``track`` for key frame ``key``."""
        held = [
            i for i in range(key - self.before, key + self.after + 1)
            if self.cache.get(i, track) is not None
        ]
        frames = [key]
        for offset in self.frame_offsets:
            wanted = key + offset
            source = min(held, key=lambda i: (abs(i - wanted), abs(i - key)))
            if source != wanted and 0 <= wanted <= self._last:
                self.substituted += 1
                self.from_key += int(source == key)
            frames.append(source)
        return TrackClip([self.cache.get(i, track) for i in frames], frames)
