# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Degrade the key crop of a clip for adaptation on unlabelled video."""
from typing import Dict, Optional, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmpose.registry import TRANSFORMS

from ...synthetic.degrade import add_noise, apply_motion_blur, warp_frame
from ...synthetic.occluders import Occluder, make_sprite


def _check_range(name: str, value: Tuple[float, float]) -> Tuple[float, ...]:
    """``value`` as a (low, high) tuple with 0 <= low <= high."""
    value = tuple(float(v) for v in value)
    if len(value) != 2 or not 0 <= value[0] <= value[1]:
        raise ValueError(f'{name} must be (low, high) with 0 <= low <= high, '
                         f'got {value}')
    return value


@TRANSFORMS.register_module()
class DegradeKeyFrame(BaseTransform):
    """Degrade the student's key crop; keep a clean copy for the teacher.

    For adaptation on unlabelled video
    (:class:`~fami_pose_mm.models.VideoTeacherStudentEstimator`): the
    student sees its key frame degraded, so that the neck learns to
    recover it from the neighbouring frames, while the frozen single-frame
    teacher computes the targets on the same crop without the degradation.
    The degradations are the synthetic generator's
    (:mod:`fami_pose_mm.synthetic.degrade`,
    :mod:`fami_pose_mm.synthetic.occluders`), each drawn with its
    probability, sizes relative to the crop height H:

    * camera shake: an affine warp of the key crop about its centre
      (translation ``shake_trans`` x H std, rotation ``shake_rot`` degrees
      std, zoom ``shake_zoom`` std), borders reflected. It is a
      misalignment with the neighbours, not a loss of detail: the
      teacher's crop is warped the same way, so the targets stay on the
      student's key frame;
    * motion blur: a linear streak of ``blur_length`` x H pixels in a
      random direction;
    * a moving occluder: a textured sprite of ``occluder_size`` x H
      pasted over the key crop near its centre, and over each supporting
      crop where it has moved to at ``occluder_speed`` x H pixels per frame
      of offset (so the neighbours show what it hides in the key frame);
    * sensor noise: Gaussian, ``noise_std`` grey levels, on the key crop.

    Required keys: ``img`` (list of T = 1 + N cropped frames, key first,
    after ``TopdownAffine`` / ``ClipTopdownAffine``). Each supporting
    frame's offset is that of the frame loaded
    (``supporting_frame_indices - key_frame_index``, else
    ``frame_offsets``, else 1..N); a supporting frame that is the key frame
    itself (a window clamped at a video's edge) becomes the degraded key
    frame, so that it cannot give the clean key away.

    Modified keys: ``img`` (T + 1 crops: the degraded key frame, the
    supporting frames, then the clean key crop for the teacher, LAST);
    added: ``key_degradations`` (the names of those applied).

    Args:
        shake_prob, blur_prob, occluder_prob, noise_prob (float):
            Probability of each degradation. Defaults: 0.5, 0.5, 0.5, 0.5.
        shake_trans (float): Translation std / H. Default 0.025.
        shake_rot (float): Rotation std, degrees. Default 2.5.
        shake_zoom (float): Zoom std. Default 0.03.
        blur_length (tuple): Streak length range / H. Default (0.08, 0.17).
        occluder_size (tuple): Sprite size range / H. Default (0.2, 0.36).
        occluder_speed (tuple): Sprite speed range / H per frame. Default
            (0.07, 0.15).
        noise_std (tuple): Noise std range, grey levels. Default (2, 8).
    """

    def __init__(self,
                 shake_prob: float = 0.5,
                 blur_prob: float = 0.5,
                 occluder_prob: float = 0.5,
                 noise_prob: float = 0.5,
                 shake_trans: float = 0.025,
                 shake_rot: float = 2.5,
                 shake_zoom: float = 0.03,
                 blur_length: Tuple[float, float] = (0.08, 0.17),
                 occluder_size: Tuple[float, float] = (0.2, 0.36),
                 occluder_speed: Tuple[float, float] = (0.07, 0.15),
                 noise_std: Tuple[float, float] = (2.0, 8.0)) -> None:
        self.probs = dict(shake=shake_prob, blur=blur_prob,
                          occluder=occluder_prob, noise=noise_prob)
        for name, prob in self.probs.items():
            if not 0 <= prob <= 1:
                raise ValueError(f'{name}_prob must be in [0, 1], got '
                                 f'{prob!r}')
        for name, value in (('shake_trans', shake_trans),
                            ('shake_rot', shake_rot),
                            ('shake_zoom', shake_zoom)):
            if value < 0:
                raise ValueError(f'{name} must be >= 0, got {value!r}')
        self.shake = (shake_trans, shake_rot, shake_zoom)
        self.blur_length = _check_range('blur_length', blur_length)
        self.occluder_size = _check_range('occluder_size', occluder_size)
        self.occluder_speed = _check_range('occluder_speed', occluder_speed)
        self.noise_std = _check_range('noise_std', noise_std)

    def transform(self, results: Dict) -> Optional[Dict]:
        """Degrade ``img[0]`` (and occlude the supporting crops); append the
        clean key crop."""
        frames = results.get('img')
        if not isinstance(frames, (list, tuple)) or not frames:
            raise ValueError(
                'DegradeKeyFrame needs the cropped clip (a list of frames, '
                'key first) in results["img"]; put it after TopdownAffine / '
                f'ClipTopdownAffine, got {type(frames).__name__}')
        rng = np.random.default_rng(np.random.randint(2**31))
        frames = [np.ascontiguousarray(f) for f in frames]
        clean = frames[0].copy()
        height, width = clean.shape[:2]
        done = [name for name, prob in self.probs.items()
                if rng.random() < prob]
        if 'shake' in done:
            mat = self._shake_matrix(rng, width, height)
            frames[0] = warp_frame(frames[0], mat)
            clean = warp_frame(clean, mat)
        if 'blur' in done:
            length = max(1, int(round(height * rng.uniform(*self.blur_length))))
            frames[0] = apply_motion_blur(frames[0], length,
                                          float(rng.uniform(0, 180)))
        offsets = self._loaded_offsets(results, len(frames))
        if 'occluder' in done:
            self._occlude(rng, frames, offsets)
        if 'noise' in done:
            frames[0] = add_noise(rng, frames[0], rng.uniform(*self.noise_std))
        # a supporting frame that is the key frame itself (a window clamped
        # at the video's edge, a missing frame replaced): degraded as it
        for index, offset in enumerate(offsets[1:], 1):
            if offset == 0:
                frames[index] = frames[0].copy()
        results['img'] = frames + [clean]
        results['key_degradations'] = done
        return results

    @staticmethod
    def _loaded_offsets(results: Dict, num_frames: int) -> list:
        """Each frame's offset from the key frame as loaded: ``0`` first,
        then ``supporting_frame_indices - key_frame_index`` (the frames
        ``LoadVideoFrames`` read), else ``frame_offsets``, else 1..N."""
        indices = results.get('supporting_frame_indices')
        key = results.get('key_frame_index')
        if indices is not None and key is not None:
            offsets = [int(i) - int(key) for i in indices]
        else:
            offsets = list(results.get('frame_offsets')
                           or range(1, num_frames))
        return [0] + offsets

    def _shake_matrix(self, rng: np.random.Generator, width: int,
                      height: int) -> np.ndarray:
        """(2, 3) affine: rotation and zoom about the centre, a shift."""
        trans, rot, zoom = self.shake
        mat = cv2.getRotationMatrix2D(
            (width / 2, height / 2), float(rng.normal(0, rot)),
            float(1 + rng.normal(0, zoom)))
        mat[:, 2] += rng.normal(0, trans * height, 2)
        return mat

    def _occlude(self, rng: np.random.Generator, frames: list,
                 offsets: list) -> None:
        """Paste one moving sprite over the key crop near its centre and
        over each supporting crop where it is at that frame's offset."""
        height, width = frames[0].shape[:2]
        size = height * rng.uniform(*self.occluder_size)
        patch, mask = make_sprite(rng, size * rng.uniform(0.5, 1.0), size)
        angle = rng.uniform(0, 2 * np.pi)
        speed = height * rng.uniform(*self.occluder_speed)
        centre = np.array([width, height]) * (0.5 + rng.uniform(-0.2, 0.2, 2))
        sprite = Occluder(patch, mask, centre,
                          speed * np.array([np.cos(angle), np.sin(angle)]))
        owner = np.zeros((height, width), np.uint8)
        for index, offset in enumerate(offsets):
            sprite.paste(frames[index], owner, float(offset))

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(probs={self.probs}, '
                f'shake={self.shake}, blur_length={self.blur_length}, '
                f'occluder_size={self.occluder_size}, '
                f'occluder_speed={self.occluder_speed}, '
                f'noise_std={self.noise_std})')
