# Copyright (c) fami-pose-mm contributors. All rights reserved.
import warnings
from collections import Counter
from typing import List, Optional, Tuple

import cv2
import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine import fileio
from mmpose.registry import TRANSFORMS

from ..video_frames import check_missing_frame, frame_path, nearest_candidates


@TRANSFORMS.register_module()
class LoadVideoFrames(BaseTransform):
    """Load the key frame and the supporting frames of a sample.

    Required keys: ``img_path`` (key frame, str), ``supporting_img_paths``
    (list of str). Optional: ``supporting_frame_indices``,
    ``key_frame_index``, ``frame_dir``, ``frame_name_template``, ``vid_id``
    and ``missing_frame`` (written by :class:`PoseTrackVideoDataset`).

    Added/modified keys: ``img`` (list of T = 1 + N ``(H, W, 3)`` uint8 BGR
    images, key first), ``img_shape`` and ``ori_shape`` (of the key frame),
    ``supporting_img_paths`` and ``supporting_frame_indices`` (the frames
    actually loaded, after a fallback), ``frame_bboxes`` when present
    (``crop_mode='own'``): a substituted frame gets the key frame's box,
    the box of the frame that was asked for not being the box in the one
    loaded.

    A missing supporting frame raises ``FileNotFoundError`` naming video,
    frame index and path when ``missing_frame='error'``; with ``'nearest'``
    the nearest existing frame between it and the key frame is used and a
    warning with the per-video count of such substitutions is issued
    (:attr:`fallback_counts`). A missing key frame always raises. An empty
    (0-byte) or undecodable frame (random bytes, truncated JPEG) raises
    ``ValueError`` naming the file, the video and, for a supporting frame,
    its offset and key frame; so do frames of another size than the key
    frame.

    Args:
        to_float32 (bool): Convert images to float32. Default ``False``.
        color_type (str): ``mmcv.imfrombytes`` flag. Default ``'color'``.
        imdecode_backend (str): Decoder. Default ``'cv2'``.
        backend_args (dict, optional): mmengine file backend arguments.
        missing_frame (str, optional): Overrides the sample's
            ``missing_frame`` when given (``'error'`` or ``'nearest'``).
    """

    def __init__(self,
                 to_float32: bool = False,
                 color_type: str = 'color',
                 imdecode_backend: str = 'cv2',
                 backend_args: Optional[dict] = None,
                 missing_frame: Optional[str] = None) -> None:
        if missing_frame is not None:
            check_missing_frame(missing_frame)
        self.to_float32 = to_float32
        self.color_type = color_type
        self.imdecode_backend = imdecode_backend
        self.backend_args = backend_args
        self.missing_frame = missing_frame
        self.fallback_counts: Counter = Counter()

    def _exists(self, path: str) -> bool:
        return fileio.exists(path, backend_args=self.backend_args)

    def _read(self, path: str, where: str) -> np.ndarray:
        """Read and decode one frame.

        Args:
            path (str): The frame file.
            where (str): Start of every error message: the video, the
                frame and, for a supporting frame, its key frame.

        Returns:
            np.ndarray: The ``(H, W, 3)`` image (float32 if
            ``to_float32``).

        Raises:
            FileNotFoundError: If the file does not exist.
            ValueError: If the file is empty or does not decode.
        """
        try:
            data = fileio.get(path, backend_args=self.backend_args)
        except FileNotFoundError:
            raise FileNotFoundError(f'{where} not found: {path}') from None
        if not data:
            raise ValueError(f'{where}: {path} is empty (0 bytes)')
        undecodable = (f'{where}: {path} could not be decoded (corrupt, '
                       'truncated or not an image)')
        try:
            img = mmcv.imfrombytes(
                data, flag=self.color_type, backend=self.imdecode_backend)
        except (cv2.error, OSError, ValueError) as e:  # pillow, turbojpeg
            raise ValueError(f'{undecodable}: {e}') from e
        if img is None or img.size == 0:  # what cv2 gives for bad bytes
            raise ValueError(undecodable)
        return img.astype(np.float32) if self.to_float32 else img

    def _fallback(self, results: dict, index: int, path: str,
                  offset) -> Tuple[str, int]:
        """Nearest existing frame for a missing one (or raise)."""
        vid = results.get('vid_id', '?')
        mode = self.missing_frame or results.get('missing_frame', 'error')
        key_index = results.get('key_frame_index')
        if mode == 'error' or key_index is None \
                or 'frame_dir' not in results:
            raise FileNotFoundError(
                f'video {vid}: supporting frame {index} (offset {offset}) '
                f"not found: {path}; set missing_frame='nearest' on the "
                'dataset to use the nearest existing frame instead')
        for cand in nearest_candidates(index, key_index):
            cand_path = (results['img_path'] if cand == key_index else
                         frame_path(results['frame_dir'],
                                    results['frame_name_template'], cand))
            if self._exists(cand_path):
                break
        self.fallback_counts[vid] += 1
        warnings.warn(
            f'video {vid}: frame {index} missing ({path}), using frame '
            f'{cand} instead ({self.fallback_counts[vid]} substitution(s) '
            'in this video so far)')
        return cand_path, cand

    def transform(self, results: dict) -> dict:
        """Load the T frames of one sample into ``results['img']``."""
        vid = results.get('vid_id', '?')
        key_path = results['img_path']
        if not isinstance(key_path, str):
            raise ValueError('img_path must be the key frame path (a str), '
                             f'got {type(key_path).__name__}')
        key_index = results.get('key_frame_index')
        key = self._read(key_path, f'video {vid}: key frame {key_index}')
        paths = list(results.get('supporting_img_paths', []))
        indices = list(results.get('supporting_frame_indices',
                                   [None] * len(paths)))
        offsets = list(results.get('frame_offsets', [None] * len(paths)))
        imgs: List[np.ndarray] = [key]
        for n, path in enumerate(paths):
            if not self._exists(path):
                paths[n], indices[n] = self._fallback(
                    results, indices[n], path, offsets[n])
                if 'frame_bboxes' in results:
                    boxes = np.array(results['frame_bboxes'])
                    boxes[n + 1] = boxes[0]
                    results['frame_bboxes'] = boxes
            img = self._read(
                paths[n], f'video {vid}: frame {indices[n]} (offset '
                f'{offsets[n]} of key frame {key_index}, {key_path})')
            if img.shape != key.shape:
                raise ValueError(
                    f'video {vid}: frame {indices[n]} ({paths[n]}) has shape '
                    f'{img.shape}, the key frame ({key_path}) {key.shape}')
            imgs.append(img)
        results['img'] = imgs
        results['img_shape'] = key.shape[:2]
        results['ori_shape'] = key.shape[:2]
        results['supporting_img_paths'] = paths
        results['supporting_frame_indices'] = indices
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(to_float32={self.to_float32}, '
                f'color_type={self.color_type!r}, '
                f'missing_frame={self.missing_frame!r})')
