# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The one video writer of the package: H.264 when PyAV is installed.

Browsers and most previews play H.264 (``avc1``) but not the MPEG-4 Part 2
(``mp4v``) that OpenCV's wheels write. PyAV (``pip install av``, a
requirement of ``requirements/runtime.txt``) ships FFmpeg with ``libx264``:
with it, videos are H.264, ``yuv420p`` (the pixel format browsers decode),
with the index at the start of ``.mp4`` / ``.mov`` files (``faststart``).
Without it, OpenCV writes ``mp4v`` and a warning says so.
"""
import os
import os.path as osp
import warnings
from fractions import Fraction
from typing import Optional, Tuple

import cv2
import numpy as np

#: Encoders of H.264, in the order of preference.
H264_ENCODERS = ('libx264', 'libopenh264')
#: The fallback codec (OpenCV's ``VideoWriter``).
FALLBACK_FOURCC = 'mp4v'


def h264_encoder() -> Optional[str]:
    """The PyAV encoder of H.264 on this machine.

    Returns:
        str, optional: ``'libx264'`` or ``'libopenh264'``; None when PyAV
        is not installed or its FFmpeg has no H.264 encoder.
    """
    try:
        import av
    except ImportError:
        return None
    return next((c for c in H264_ENCODERS if c in av.codecs_available), None)


class VideoFileWriter:
    """Write BGR frames to a video file, H.264 when possible.

    The first frame sets the size; every later frame must have it. H.264
    (4:2:0) needs an even width and height: an odd one gets a black column
    or row on the right or bottom.

    Args:
        path (str): Output file; its extension selects the container
            (``.mp4``, ``.mov``, ``.mkv``, ``.avi``).
        fps (float): Frames per second (> 0).

    Attributes:
        codec (str): ``'h264'`` or ``'mp4v'`` (the fallback).

    Raises:
        ValueError: If ``fps`` is not positive.
    """

    def __init__(self, path: str, fps: float) -> None:
        if not fps > 0:
            raise ValueError(f'fps must be > 0, got {fps}')
        self.path = path
        self.fps = float(fps)
        self.encoder = h264_encoder()
        self.codec = 'h264' if self.encoder else FALLBACK_FOURCC
        self.size: Optional[Tuple[int, int]] = None
        self.frames = 0
        self._container = self._stream = self._cv_writer = None
        if self.encoder is None:
            warnings.warn(f'no H.264 encoder (pip install av): {path} is '
                          f'written as MPEG-4 Part 2 ({FALLBACK_FOURCC}), '
                          'which browsers do not play')

    def write(self, frame: np.ndarray) -> None:
        """Append one frame.

        Args:
            frame (np.ndarray): BGR image (H, W, 3), uint8.

        Raises:
            ValueError: If the frame is not (H, W, 3) or its size is not the
                first frame's.
            PermissionError: If the file cannot be written.
        """
        if frame.ndim != 3 or frame.shape[2] != 3:
            raise ValueError(f'frame {self.frames} of {self.path} must be '
                             f'(H, W, 3), got {frame.shape}')
        size = (frame.shape[1], frame.shape[0])
        if self.size is None:
            self.size = size
            self._open()
        elif size != self.size:
            raise ValueError(f'frame {self.frames} of {self.path} is '
                             f'{size[0]}x{size[1]}, the video '
                             f'{self.size[0]}x{self.size[1]}')
        frame = np.ascontiguousarray(frame, dtype=np.uint8)
        if self._cv_writer is not None:
            self._cv_writer.write(frame)
        else:
            self._encode(frame)
        self.frames += 1

    def _open(self) -> None:
        if self.encoder is None:
            self._cv_writer = cv2.VideoWriter(
                self.path, cv2.VideoWriter_fourcc(*FALLBACK_FOURCC),
                self.fps, self.size)
            if not self._cv_writer.isOpened():
                raise PermissionError(f'cannot write video {self.path}')
            return
        import av
        options = {'movflags': 'faststart'} if self.path.lower().endswith(
            ('.mp4', '.mov')) else {}
        try:
            self._container = av.open(self.path, 'w', options=options)
        except (ValueError, OSError) as err:
            raise PermissionError(f'cannot write video {self.path}: '
                                  f'{err}') from err
        rate = Fraction(self.fps).limit_denominator(1001)
        self._stream = self._container.add_stream(self.encoder, rate=rate)
        self._stream.width = self.size[0] + self.size[0] % 2
        self._stream.height = self.size[1] + self.size[1] % 2
        self._stream.pix_fmt = 'yuv420p'

    def _encode(self, frame: np.ndarray) -> None:
        import av
        width, height = self._stream.width, self._stream.height
        if (width, height) != self.size:
            frame = cv2.copyMakeBorder(frame, 0, height - frame.shape[0], 0,
                                       width - frame.shape[1],
                                       cv2.BORDER_CONSTANT, value=0)
        image = av.VideoFrame.from_ndarray(frame, format='bgr24')
        image.pts = self.frames
        self._container.mux(self._stream.encode(image))

    def close(self) -> None:
        """Flush and close the file (a writer without frames writes none)."""
        if self._cv_writer is not None:
            self._cv_writer.release()
            self._cv_writer = None
        if self._container is not None:
            self._container.mux(self._stream.encode())
            self._container.close()
            self._container = None

    def __enter__(self) -> 'VideoFileWriter':
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def check_video_file(path: str, fps: float = 25.0) -> None:
    """Check, before any work, that a video of this name can be written.

    Writes one black 64x64 frame to ``path`` and removes the file (if it
    did not exist before).

    Args:
        path (str): Output video file.
        fps (float): Its frame rate.

    Raises:
        PermissionError: If no container fits the file name or the file
            cannot be written; the message says to use ``.mp4``.
    """
    existed = osp.exists(path)
    with warnings.catch_warnings():  # the run's writer warns, not the check
        warnings.simplefilter('ignore')
        writer = VideoFileWriter(path, fps)
    try:
        writer.write(np.zeros((64, 64, 3), np.uint8))
        writer.close()
    except PermissionError as err:
        raise PermissionError(
            f'cannot write video {path}: no {writer.codec} writer for this '
            'file name (use a .mp4 file)') from err
    finally:
        if not existed and osp.exists(path):
            os.remove(path)
