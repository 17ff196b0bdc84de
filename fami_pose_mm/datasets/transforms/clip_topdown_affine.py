# Copyright (c) fami-pose-mm contributors. All rights reserved.
from typing import Dict, List, Sequence

import cv2
import numpy as np
from mmpose.datasets.transforms import TopdownAffine
from mmpose.registry import TRANSFORMS
from mmpose.structures.bbox import get_udp_warp_matrix, get_warp_matrix


@TRANSFORMS.register_module()
class ClipTopdownAffine(TopdownAffine):
    """:class:`TopdownAffine` that crops each frame of a clip with its own
    box and records every frame's warp.

    Required keys: ``img`` (list of T images, key first), ``bbox_center``,
    ``bbox_scale`` (``(1, 2)``), optional ``bbox_rotation`` (``(1,)``
    degrees, shared by all frames), and in ``crop_mode='own'``
    ``frame_centers`` / ``frame_scales`` (``(T, 2)`` pixels, from
    :class:`~.clip_bbox_transforms.GetClipBBoxCenterScale`).

    Added keys: what :class:`TopdownAffine` adds (``input_center``,
    ``input_scale``, ``input_size``, ``transformed_keypoints``; all of the
    key frame: the keypoint targets stay the key frame's), and
    ``frame_warp_mats``: ``(T, 2, 3)`` float32, for each frame the affine
    map from original image pixels (of the frame as loaded, mirrored when
    ``flip``: all frames alike) to model input pixels of its crop
    (``get_warp_matrix(center_t, scale_t, rot, output_size=input_size)``,
    the matrix the frame was warped with), key frame first. Without
    ``frame_centers`` (``crop_mode='key'``) the crops are exactly those of
    :class:`TopdownAffine` and the T matrices are equal.

    Args:
        input_size (tuple[int, int]): Model input ``(w, h)`` in pixels.
        use_udp (bool): Unbiased data processing warp. Default ``False``.
    """

    def _warp_mat(self, center: np.ndarray, scale: np.ndarray,
                  rot: float) -> np.ndarray:
        """The ``(2, 3)`` warp of :class:`TopdownAffine` for one box."""
        warp = get_udp_warp_matrix if self.use_udp else get_warp_matrix
        return warp(center, scale, rot, output_size=self.input_size)

    def transform(self, results: Dict) -> Dict:
        imgs: List[np.ndarray] = results['img'] if isinstance(
            results['img'], list) else [results['img']]
        rot = results['bbox_rotation'][0] if 'bbox_rotation' in results \
            else 0.
        if 'frame_centers' not in results:
            if 'frame_bboxes' in results:
                raise ValueError(
                    f"{results.get('img_path')}: the sample has "
                    'frame_bboxes but no frame_centers: use '
                    'GetClipBBoxCenterScale instead of GetBBoxCenterScale')
            results = super().transform(results)
            mat = self._warp_mat(results['input_center'],
                                 results['input_scale'], rot)
            results['frame_warp_mats'] = np.repeat(
                mat[None].astype(np.float32), len(imgs), axis=0)
            return results
        self._check_clip(results, len(imgs))
        w, h = self.input_size
        scales = self._fix_aspect_ratio(results['frame_scales'], w / h)
        mats = [
            self._warp_mat(c, s, rot)
            for c, s in zip(results['frame_centers'], scales)
        ]
        # the key frame through TopdownAffine (crop, keypoints, input_*)
        results['img'] = imgs[0]
        results = super().transform(results)
        results['img'] = [results['img']] + [
            cv2.warpAffine(img, mat, (int(w), int(h)), flags=cv2.INTER_LINEAR)
            for img, mat in zip(imgs[1:], mats[1:])
        ]
        mats[0] = self._warp_mat(results['input_center'],
                                 results['input_scale'], rot)
        results['frame_scales'] = scales
        results['frame_warp_mats'] = np.stack(mats).astype(np.float32)
        return results

    @staticmethod
    def _check_clip(results: Dict, num_frames: int) -> None:
        """One box per frame; row 0 still the key frame's box.

        Raises:
            ValueError: Naming the key frame, when the rows do not match
                the frames, or when a transform moved the key box but not
                the frame boxes (an mmpose transform where its clip
                variant belongs).
        """
        centers: Sequence = results['frame_centers']
        where = results.get('img_path')
        if len(centers) != num_frames or len(
                results['frame_scales']) != num_frames:
            raise ValueError(
                f'{where}: {len(centers)} frame boxes for {num_frames} '
                'frames')
        if not (np.allclose(centers[0], results['bbox_center'][0], atol=1e-3)
                and np.allclose(
                    results['frame_scales'][0],
                    results['bbox_scale'][0],
                    atol=1e-3)):
            raise ValueError(
                f'{where}: the key box moved but frame_centers/frame_scales '
                'did not: use the clip transforms (GetClipBBoxCenterScale, '
                'RandomClipFlip, RandomClipHalfBody, RandomClipBBoxTransform)'
                ' in place of mmpose\'s')
