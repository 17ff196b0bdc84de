# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Box transforms of a clip whose frames each have their own person box.

With ``crop_mode='own'`` a sample carries ``frame_bboxes`` (``(T, 4)``
xyxy, key frame first). These subclasses of mmpose's box transforms keep,
next to the key frame's ``bbox_center`` / ``bbox_scale`` (``(1, 2)``),
``frame_centers`` / ``frame_scales`` (``(T, 2)`` pixels, row 0 = the key
frame's), and apply ONE random draw per sample to every frame's own box:

* :class:`GetClipBBoxCenterScale`: centre and padded size of every box;
* :class:`RandomClipFlip`: one flip decision, every centre mirrored in the
  same image width;
* :class:`RandomClipHalfBody`: the key frame's half-body box (from its
  keypoints), carried to each frame relative to its own box;
* :class:`RandomClipBBoxTransform`: one shift (relative to each box's own
  size), one scale factor and one rotation for all frames.

:class:`~.clip_topdown_affine.ClipTopdownAffine` then crops each frame
with its own centre and scale. Without ``frame_bboxes`` (``crop_mode=
'key'``) each transform is exactly its mmpose parent.
"""
from typing import Dict, Sequence

import numpy as np
from mmpose.datasets.transforms import (GetBBoxCenterScale,
                                        RandomBBoxTransform, RandomFlip,
                                        RandomHalfBody, TopdownAffine)
from mmpose.registry import TRANSFORMS
from mmpose.structures.bbox import bbox_xyxy2cs, flip_bbox

from ...utils.crop_modes import OWN_CROP_TRANSFORMS

#: mmpose's transforms that use the key box for every frame, and the
#: transform that replaces each in ``crop_mode='own'``.
CLIP_TRANSFORMS = {
    cls: OWN_CROP_TRANSFORMS[cls.__name__]
    for cls in (GetBBoxCenterScale, RandomFlip, RandomHalfBody,
                RandomBBoxTransform, TopdownAffine)
}


def check_clip_pipeline(transforms: Sequence, where: str) -> None:
    """Refuse a pipeline that would crop every frame with the key box.

    Args:
        transforms (Sequence): The built transforms of a pipeline.
        where (str): Start of the message (the dataset).

    Raises:
        ValueError: Naming each mmpose transform and its clip variant.
    """
    plain = [
        f'{type(t).__name__} with {CLIP_TRANSFORMS[type(t)]}'
        for t in transforms if type(t) in CLIP_TRANSFORMS
    ]
    if plain:
        raise ValueError(
            f"{where}: the pipeline would crop every frame with the key "
            f"frame's box; replace {', '.join(plain)}")


def _sync_key_row(results: Dict) -> None:
    """Row 0 of the frame arrays is the key frame's box."""
    results['frame_centers'][0] = results['bbox_center'][0]
    results['frame_scales'][0] = results['bbox_scale'][0]


@TRANSFORMS.register_module()
class GetClipBBoxCenterScale(GetBBoxCenterScale):
    """:class:`GetBBoxCenterScale` for the key box and every frame's box.

    Added keys (when ``frame_bboxes``, ``(T, 4)`` xyxy, is present):
    ``frame_centers`` and ``frame_scales``, ``(T, 2)`` pixels in the
    dtype of ``bbox_center``: the box centres and the box sizes times
    ``padding`` (row 0 equal to ``bbox_center`` / ``bbox_scale``).

    Args:
        padding (float): Multiplies the box sizes. Default 1.25.
    """

    def transform(self, results: Dict) -> Dict:
        results = super().transform(results)
        if 'frame_bboxes' not in results:
            return results
        if 'frame_centers' in results and 'frame_scales' in results:
            results['frame_scales'] = results['frame_scales'] * self.padding
        else:
            boxes = np.asarray(results['frame_bboxes'], dtype=np.float32)
            if boxes.ndim != 2 or boxes.shape[1] != 4:
                raise ValueError(
                    f"{results.get('img_path')}: frame_bboxes must be (T, 4) "
                    f'xyxy, got shape {boxes.shape}')
            centers, scales = bbox_xyxy2cs(boxes, padding=self.padding)
            dtype = results['bbox_center'].dtype
            results['frame_centers'] = centers.astype(dtype)
            results['frame_scales'] = scales.astype(dtype)
        _sync_key_row(results)
        return results


@TRANSFORMS.register_module()
class RandomClipFlip(RandomFlip):
    """:class:`RandomFlip` (one decision per sample) that also mirrors
    ``frame_centers`` ``(T, 2)`` and ``frame_bboxes`` ``(T, 4)`` in the
    image width. Must come before
    :class:`~.clip_topdown_affine.ClipTopdownAffine`.

    Args:
        prob (float | list[float]): See :class:`RandomFlip`.
        direction (str | list[str]): See :class:`RandomFlip`.
    """

    def transform(self, results: Dict) -> Dict:
        if 'frame_warp_mats' in results and 'frame_centers' in results:
            raise ValueError(
                f"{results.get('img_path')}: RandomClipFlip after "
                'ClipTopdownAffine would flip the crops but not '
                'frame_warp_mats; put it before')
        results = super().transform(results)
        if not results['flip']:
            return results
        h, w = results['img_shape'][:2]
        direction = results['flip_direction']
        if 'frame_centers' in results:
            results['frame_centers'] = flip_bbox(
                results['frame_centers'],
                image_size=(w, h),
                bbox_format='center',
                direction=direction)
            _sync_key_row(results)
        if 'frame_bboxes' in results:
            results['frame_bboxes'] = flip_bbox(
                np.asarray(results['frame_bboxes']),
                image_size=(w, h),
                bbox_format='xyxy',
                direction=direction)
        return results


@TRANSFORMS.register_module()
class RandomClipHalfBody(RandomHalfBody):
    """:class:`RandomHalfBody` on the key frame (its keypoints choose the
    half-body box), carried over to every frame relative to its own box:
    with the key box ``(c, s)`` going to ``(c', s')``, frame ``t`` goes
    from ``(c_t, s_t)`` to ``(c_t + (c' - c) * s_t / s,  s' * s_t / s)``.

    Takes the arguments of :class:`RandomHalfBody`.
    """

    def transform(self, results: Dict) -> Dict:
        center = results['bbox_center'].copy()
        scale = results['bbox_scale'].copy()
        results = super().transform(results)
        if 'frame_centers' not in results or (
                np.array_equal(center, results['bbox_center'])
                and np.array_equal(scale, results['bbox_scale'])):
            return results
        centers, scales = results['frame_centers'], results['frame_scales']
        ratio = scales / scale[:1]
        new_centers = centers + (results['bbox_center'][:1] -
                                 center[:1]) * ratio
        new_scales = results['bbox_scale'][:1] * ratio
        # a frame whose box is the key box gets exactly the key's result
        same = ((centers == center[:1]) & (scales == scale[:1])).all(1)
        new_centers[same] = results['bbox_center'][0]
        new_scales[same] = results['bbox_scale'][0]
        results['frame_centers'], results['frame_scales'] = (new_centers,
                                                             new_scales)
        return results


@TRANSFORMS.register_module()
class RandomClipBBoxTransform(RandomBBoxTransform):
    """:class:`RandomBBoxTransform` with one draw for all frames.

    Frame ``t``'s centre moves by the drawn shift times its own size,
    its size is multiplied by the drawn scale factor, and ``bbox_rotation``
    (``(1,)`` degrees) is shared by all frames.

    Takes the arguments of :class:`RandomBBoxTransform`.
    """

    def transform(self, results: Dict) -> Dict:
        if 'frame_centers' not in results:
            return super().transform(results)
        offset, scale, rotate = self._get_transform_params(
            results['bbox_scale'].shape[0])
        results['bbox_center'] = results[
            'bbox_center'] + offset * results['bbox_scale']
        results['bbox_scale'] = results['bbox_scale'] * scale
        results['bbox_rotation'] = rotate
        # the key frame's arithmetic, row by row (same dtypes: identical
        # boxes give identical crops)
        results['frame_centers'] = results['frame_centers'] + offset[:1] * \
            results['frame_scales']
        results['frame_scales'] = results['frame_scales'] * scale[:1]
        _sync_key_row(results)
        return results
