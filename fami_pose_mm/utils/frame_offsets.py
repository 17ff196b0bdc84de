# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The frame window of a key frame: its offsets, and where they land.

The one home of the window rules, shared by the datasets (training and
testing), the video inferencer and the estimator:

* ``frame_offsets`` are the positions of the supporting frames relative to
  the key frame, e.g. ``(-2, -1, 1, 2)``: distinct, non-zero ints, kept in
  the given order (the order of the clip's frame axis after the key frame).
  ``()`` is a single-frame window; all offsets ``< 0`` an online one.
* At a video's edge a supporting frame that does not exist is replaced by
  the nearest existing frame, the key frame itself when the video has only
  one frame.
* A clip has ``1 + len(frame_offsets)`` frames, the model's
  ``neck.num_frames``.

Plain Python, no torch: importable from every layer of the package.
"""
from numbers import Integral
from typing import List, NoReturn, Optional, Sequence, Tuple, Union


def check_frame_offsets(frame_offsets: Sequence[int]) -> Tuple[int, ...]:
    """Validate supporting-frame offsets.

    Args:
        frame_offsets (Sequence[int]): Offsets relative to the key frame,
            e.g. ``(-2, -1, 1, 2)``.

    Returns:
        tuple[int, ...]: The offsets as Python ints, in the given order.

    Raises:
        ValueError: If ``frame_offsets`` is not a sequence, or an offset is
            not an int, is 0 (the key frame) or is repeated; the message
            names the bad offset.
    """
    if isinstance(frame_offsets, (str, bytes)) or not hasattr(
            frame_offsets, '__iter__'):
        _reject(frame_offsets, 'not a sequence of ints')
    offsets = tuple(frame_offsets)
    seen = set()
    for offset in offsets:
        if isinstance(offset, bool) or not isinstance(offset, Integral):
            _reject(frame_offsets, f'{offset!r} is not an int')
        if offset == 0:
            _reject(frame_offsets, '0 is the key frame itself')
        if offset in seen:
            _reject(frame_offsets, f'{offset} is repeated')
        seen.add(offset)
    return tuple(int(offset) for offset in offsets)


def _reject(frame_offsets, reason: str) -> NoReturn:
    """Raise the one error of :func:`check_frame_offsets`."""
    raise ValueError('frame_offsets must be distinct non-zero ints (offsets '
                     f'of the supporting frames), got {frame_offsets!r}: '
                     f'{reason}')


class ClipWindow:
    """A checked window: the offsets and how far they reach.

    Built once where offsets enter (a config, an option) and handed down,
    so that nothing below checks them again.

    Args:
        frame_offsets (Sequence[int]): See :func:`check_frame_offsets`.

    Attributes:
        offsets (tuple[int, ...]): The offsets, in the given order.
        before (int): Frames the window reaches into the past.
        after (int): Frames it reaches into the future (the output delay
            of a stream).
        capacity (int): ``before + after + 1``, the frames a stream holds.
        num_frames (int): ``1 + len(offsets)``, frames per clip.

    Raises:
        ValueError: See :func:`check_frame_offsets`.
    """

    def __init__(self, frame_offsets: Sequence[int]) -> None:
        self.offsets: Tuple[int, ...] = check_frame_offsets(frame_offsets)
        self.before = max([0] + [-d for d in self.offsets])
        self.after = max([0] + list(self.offsets))
        self.capacity = self.before + self.after + 1
        self.num_frames = 1 + len(self.offsets)

    @classmethod
    def of(cls, window: Union['ClipWindow', Sequence[int]]) -> 'ClipWindow':
        """``window`` itself, or the checked window of these offsets."""
        return window if isinstance(window, cls) else cls(window)

    def __repr__(self) -> str:
        return f'ClipWindow({self.offsets})'

    def __eq__(self, other) -> bool:
        return isinstance(other, ClipWindow) and other.offsets == self.offsets

    def __hash__(self) -> int:
        return hash(self.offsets)


def clamp_window(key_index: int, frame_offsets: Sequence[int], nframes: int,
                 index_base: int = 0) -> List[int]:
    """Frame indices of the supporting frames, clamped into the video.

    Args:
        key_index (int): Index of the key frame.
        frame_offsets (Sequence[int]): Offsets of the supporting frames.
        nframes (int): Number of frames of the video (>= 1).
        index_base (int): Index of the video's first frame (0 or 1).

    Returns:
        list[int]: One index per offset, each inside
        ``[index_base, index_base + nframes - 1]`` (the range is widened
        to include ``key_index`` should the key lie outside it), e.g.
        ``clamp_window(0, (-2, -1, 1, 2), 3) == [0, 0, 1, 2]``.
    """
    first = min(index_base, key_index)
    last = max(index_base + nframes - 1, key_index)
    return [min(max(key_index + off, first), last) for off in frame_offsets]


def check_num_frames(num_frames: int,
                     frame_offsets: Optional[Sequence[int]] = None,
                     clip_length: Optional[int] = None) -> None:
    """Check the model's ``neck.num_frames`` against the data's window.

    Args:
        num_frames (int): The model's ``neck.num_frames`` (T).
        frame_offsets (Sequence[int], optional): The data's offsets; the
            clip then has ``1 + len(frame_offsets)`` frames.
        clip_length (int, optional): Frames per clip, when the offsets are
            not known (e.g. T of a batch of shape (B, T, 3, H, W)).

    Raises:
        ValueError: If they differ; the message names both settings.
    """
    if frame_offsets is not None:
        clip_length = 1 + len(frame_offsets)
        source = f'frame_offsets {tuple(frame_offsets)} give'
    elif clip_length is not None:
        source = 'the data (1 + len(frame_offsets)) has'
    else:
        raise ValueError('check_num_frames needs frame_offsets or '
                         'clip_length')
    if num_frames != clip_length:
        raise ValueError(
            f'{source} {clip_length} frames per clip (the key frame first) '
            f'but model.neck.num_frames is {num_frames}; set '
            'model.neck.num_frames = 1 + len(frame_offsets)')
