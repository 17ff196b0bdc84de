# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Sequential frame reading of a video, a folder of frames or a list of
images: for video inference and for the unlabelled-video dataset."""
import os
import os.path as osp
import warnings
from typing import (Iterator, List, Optional, Sequence, Tuple,
                    Union)

import cv2
import mmcv
import numpy as np

from .video_frames import natural_key

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff',
                    '.webp')
FrameSourceType = Union[str, int, Sequence[Union[str, np.ndarray]]]


def _decode(path: str) -> Optional[np.ndarray]:
    """The BGR image of a file, or None when it cannot be read or decoded.

    Decoded from its bytes as the datasets' ``LoadVideoFrames`` decodes
    (``mmcv.imfrombytes``), which refuses a truncated JPEG;
    ``cv2.imread`` would give its missing part grey.
    """
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError:
        return None
    if not data:
        return None
    try:
        frame = mmcv.imfrombytes(data)
    except (cv2.error, OSError, ValueError):
        return None
    return frame if frame is not None and frame.size else None


class VideoFrameReader:
    """Read the frames of a video, a folder of images or a list of images.

    Every frame is decoded exactly once, in order: videos are read with
    sequential ``cv2.VideoCapture.read`` calls (never by random access), so
    a consumer that needs a window of frames has to buffer them itself (see
    :class:`FrameWindowBuffer`). ``num_reads`` counts the decoded frames.

    Frame names: for a video or a webcam the frame with index ``t`` (0-based)
    is named ``f'{t:06d}.jpg'`` (the PoseTrack18 frame naming); for images
    the name is the file's base name (``f'{t:06d}.jpg'`` for arrays).

    A frame that cannot be decoded (a corrupt or empty image file, a
    damaged frame of a video that decodes again after it) is yielded as
    ``None`` with a warning naming it, so that frame indices stay those of
    the input; its index is added to ``unreadable``. Frames a video's header
    announces but that never decode at its end give a warning and end the
    stream. An input without any readable frame is an error.

    Attributes:
        name (str): Name of the input (a video's or folder's base name).
        label (str): The input in messages (its path, ...).
        path (str | None): The video file or folder read; None for a
            webcam or a list of images.

    Args:
        source (str | int | Sequence[str | np.ndarray]): A video file, a
            folder of frames (read in natural file-name order:
            ``frame_2`` before ``frame_10``), a list of
            image paths or BGR arrays (H, W, 3), or a webcam given as an int
            camera id or the string ``'webcam'`` / ``'webcam:<id>'``.

    Raises:
        FileNotFoundError: If a path does not exist.
        ValueError: If the source is empty or cannot be opened.
    """

    def __init__(self, source: FrameSourceType) -> None:
        self.source = source
        self.path: Optional[str] = None
        self.num_reads = 0
        self.unreadable: List[int] = []
        self.fps = 25.0
        self.num_frames = 0  # 0 = unknown (webcam)
        self.is_video = False
        self._items: List[Union[str, np.ndarray]] = []
        self._camera = None
        if isinstance(source, str) and source.lower().startswith('webcam'):
            parts = source.split(':')
            if len(parts) > 2 or (len(parts) == 2
                                  and not parts[1].isdigit()):
                raise ValueError(f'webcam input must read "webcam" or '
                                 f'"webcam:<id>", got {source!r}')
            source = int(parts[1]) if len(parts) == 2 else 0
        if isinstance(source, int):
            self.name = f'webcam{source}'
            self.label = f'webcam {source}'
            self._camera = source
            self.is_video = True
        elif isinstance(source, str):
            self.name = osp.splitext(osp.basename(osp.normpath(source)))[0]
            self.label = self.path = source
            self._init_path(source)
        elif isinstance(source, (list, tuple)):
            if len(source) == 0:
                raise ValueError('the list of input images is empty')
            self.name = 'images'
            self.label = f'the list of {len(source)} images'
            self._items = list(source)
            self.num_frames = len(source)
        else:
            raise TypeError(f'unsupported input type {type(source)}; expected '
                            'a video path, a folder, a list of images or a '
                            'webcam id')

    def _init_path(self, path: str) -> None:
        if not osp.exists(path):
            raise FileNotFoundError(f'input {path} does not exist')
        if osp.isdir(path):
            files = sorted((f for f in os.listdir(path)
                            if f.lower().endswith(IMAGE_EXTENSIONS)),
                           key=natural_key)
            if not files:
                raise ValueError(f'input folder {path} holds no images '
                                 f'({", ".join(IMAGE_EXTENSIONS)})')
            self._items = [osp.join(path, f) for f in files]
            self.num_frames = len(files)
        elif path.lower().endswith(IMAGE_EXTENSIONS):
            self._items = [path]
            self.num_frames = 1
        else:
            capture = cv2.VideoCapture(path)
            if not capture.isOpened():
                raise ValueError(f'cannot open video {path}: not a video '
                                 'file or an unsupported codec')
            self.fps = capture.get(cv2.CAP_PROP_FPS) or self.fps
            self.num_frames = max(int(capture.get(cv2.CAP_PROP_FRAME_COUNT)),
                                  0)
            capture.release()
            self.is_video = True

    def __len__(self) -> int:
        """Number of frames if known, else 0."""
        return self.num_frames

    def frame_names(self) -> Optional[List[str]]:
        """Names of all frames in order, if known before reading (not for
        a webcam, nor a video without a frame count)."""
        if self._items:
            return [
                f'{t:06d}.jpg' if isinstance(item, np.ndarray) else
                osp.basename(item) for t, item in enumerate(self._items)
            ]
        return [f'{t:06d}.jpg' for t in range(self.num_frames)] or None

    def __iter__(self) -> Iterator[Tuple[str, Optional[np.ndarray]]]:
        """Yield ``(frame_name, frame)`` with frame a BGR (H, W, 3) array,
        or None for a frame that cannot be decoded."""
        self.num_reads, self.unreadable = 0, []
        if self.is_video:
            yield from self._iter_capture()
        else:
            yield from self._iter_items()
        if self.num_reads == 0:
            raise ValueError(f'input {self.label} has no readable frames')

    def _skip(self, index: int, name: str, what: str) -> Tuple[str, None]:
        self.unreadable.append(index)
        warnings.warn(f'frame {index} ({name}) of {self.name}: {what}; '
                      'skipped')
        return name, None

    def _iter_items(self) -> Iterator[Tuple[str, Optional[np.ndarray]]]:
        for index, item in enumerate(self._items):
            if isinstance(item, np.ndarray):
                frame, name = item, f'{index:06d}.jpg'
            else:
                frame, name = _decode(item), osp.basename(item)
                if frame is None:
                    yield self._skip(
                        index, name, f'cannot read image {item} (missing, '
                        'empty, corrupt or truncated)')
                    continue
            if frame.ndim != 3 or frame.shape[2] != 3:
                raise ValueError(f'frame {index} ({name}) must be a BGR '
                                 f'(H, W, 3) image, got shape {frame.shape}')
            self.num_reads += 1
            yield name, frame

    def _iter_capture(self) -> Iterator[Tuple[str, Optional[np.ndarray]]]:
        target = self._camera if self._camera is not None else self.source
        capture = cv2.VideoCapture(target)
        if not capture.isOpened():
            raise ValueError(f'cannot open video source {self.source!r}')
        index, failed = 0, []  # failed: indices not decoded since the last
        try:
            while True:
                ok, frame = capture.read()
                if not ok and index < self.num_frames - 1:
                    failed.append(index)  # frames announced after it: retry
                elif not ok:
                    break
                else:
                    for bad in failed:
                        yield self._skip(bad, f'{bad:06d}.jpg', 'video '
                                         f'{self.source} cannot decode it')
                    failed = []
                    self.num_reads += 1
                    yield f'{index:06d}.jpg', frame
                index += 1
        finally:
            capture.release()
        first_bad = index - len(failed)
        if self.num_reads and first_bad < self.num_frames:
            warnings.warn(f'video {self.source}: frames {first_bad}-'
                          f'{self.num_frames - 1} of the {self.num_frames} '
                          'its header announces cannot be decoded; the '
                          f'stream ends after frame {first_bad - 1}')
