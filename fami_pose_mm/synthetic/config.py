# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Settings of the synthetic degraded-video pose dataset and its presets."""
from dataclasses import dataclass, fields, replace
from typing import Tuple

# The splits, in generation order: ``train`` to fit, ``val`` for every
# design choice, ``test`` to report only. Each video draws from its own seed
# sequence ``[seed, split code, index]``, so the splits are disjoint and a
# split's videos do not depend on the sizes of the others.
SPLITS = ('train', 'val', 'test')

PRESETS = {
    # 1,920 frames, ~4,200 person instances; well under two minutes.
    'default': dict(num_train_videos=40, num_val_videos=12,
                    num_test_videos=12, frames_per_video=30),
    # A handful of short videos for smoke tests: a few seconds.
    'quick': dict(num_train_videos=3, num_val_videos=2, num_test_videos=2,
                  frames_per_video=8),
}


@dataclass(frozen=True)
class SyntheticConfig:
    """All knobs of the generator (lengths in pixels, angles in degrees).

    Args:
        seed (int): Master seed; each video draws from
            ``SeedSequence([seed, split, video_index])``.
        num_train_videos (int): Videos in the train split.
        num_val_videos (int): Videos in the val split (design choices).
        num_test_videos (int): Videos in the test split (reported only).
        frames_per_video (int): Frames F per video (every frame labelled).
        image_size (tuple): ``(W, H)`` of the frames.
        persons_range (tuple): Min/max figures per video.
        person_height_range (tuple): Figure height as a fraction of H.
        motion_period_range (tuple): Min/max frames per motion cycle.
        shake_trans_std (float): Camera translation jitter std, pixels.
        shake_rot_std (float): Camera rotation jitter std, degrees.
        shake_zoom_std (float): Camera zoom jitter std (scale - 1).
        blur_prob (float): Probability that a frame is motion blurred.
        blur_length_range (tuple): Min/max blur streak length, pixels.
        occluders_range (tuple): Min/max occluders per video.
        occluder_size_range (tuple): Occluder size / person height.
        occluder_speed_range (tuple): Occluder speed, pixels per frame.
        noise_std (float): Gaussian sensor noise std, grey levels.
        jpeg_quality (int): JPEG quality of the written frames.
        det_jitter (float): Detection box jitter std, fraction of box size.
        det_miss_prob (float): Probability a person gets no detection.
        det_false_pos_rate (float): Mean false-positive boxes per frame.
    """

    seed: int = 0
    num_train_videos: int = 40
    num_val_videos: int = 12
    num_test_videos: int = 12
    frames_per_video: int = 30
    image_size: Tuple[int, int] = (320, 240)
    persons_range: Tuple[int, int] = (1, 3)
    person_height_range: Tuple[float, float] = (0.5, 0.75)
    motion_period_range: Tuple[float, float] = (16.0, 32.0)
    shake_trans_std: float = 4.0
    shake_rot_std: float = 2.5
    shake_zoom_std: float = 0.03
    blur_prob: float = 0.25
    blur_length_range: Tuple[int, int] = (15, 31)
    occluders_range: Tuple[int, int] = (2, 4)
    occluder_size_range: Tuple[float, float] = (0.25, 0.45)
    occluder_speed_range: Tuple[float, float] = (12.0, 24.0)
    noise_std: float = 3.0
    jpeg_quality: int = 90
    det_jitter: float = 0.04
    det_miss_prob: float = 0.03
    det_false_pos_rate: float = 0.3

    def __post_init__(self) -> None:
        for split in SPLITS:
            if self.num_videos(split) < 0:
                raise ValueError(f'num_{split}_videos must be >= 0, got '
                                 f'{self.num_videos(split)}')
        if sum(self.num_videos(split) for split in SPLITS) == 0:
            raise ValueError('at least one video is needed, got 0 train, 0 '
                             'val and 0 test videos')
        if not 1 <= self.frames_per_video <= 9999:
            raise ValueError('frames_per_video must be in [1, 9999], got '
                             f'{self.frames_per_video}')
        w, h = self.image_size
        if w < 32 or h < 32:
            raise ValueError(f'image_size must be at least 32x32, got {w}x{h}')
        for name in ('persons_range', 'person_height_range',
                     'blur_length_range', 'occluders_range',
                     'occluder_size_range', 'occluder_speed_range',
                     'motion_period_range'):
            lo, hi = getattr(self, name)
            if lo > hi or lo < 0:
                raise ValueError(f'{name} must be (low, high) with 0 <= low '
                                 f'<= high, got {(lo, hi)}')
        if self.motion_period_range[0] <= 0:
            raise ValueError(f'motion_period_range must be > 0 frames, got '
                             f'{self.motion_period_range}')
        if self.persons_range[0] < 1:
            raise ValueError(f'persons_range must start at >= 1, got '
                             f'{self.persons_range}')
        if not 0 <= self.blur_prob <= 1:
            raise ValueError(f'blur_prob must be in [0, 1], got '
                             f'{self.blur_prob}')
        if not 1 <= self.jpeg_quality <= 100:
            raise ValueError(f'jpeg_quality must be in [1, 100], got '
                             f'{self.jpeg_quality}')

    def num_videos(self, split: str) -> int:
        """Videos in ``split`` (one of :data:`SPLITS`)."""
        if split not in SPLITS:
            raise ValueError(f'unknown split {split!r}, expected one of '
                             f'{SPLITS}')
        return getattr(self, f'num_{split}_videos')

    @classmethod
    def from_preset(cls, preset: str = 'default', **overrides) -> \
            'SyntheticConfig':
        """The named preset with ``overrides`` (``None`` values ignored)."""
        if preset not in PRESETS:
            raise ValueError(f'unknown preset {preset!r}, expected one of '
                             f'{sorted(PRESETS)}')
        names = {f.name for f in fields(cls)}
        bad = set(overrides) - names
        if bad:
            raise ValueError(f'unknown synthetic settings {sorted(bad)}')
        kwargs = dict(PRESETS[preset])
        kwargs.update({k: v for k, v in overrides.items() if v is not None})
        if 'image_size' in kwargs:
            kwargs['image_size'] = tuple(int(v) for v in kwargs['image_size'])
        return replace(cls(), **kwargs)
