# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Smooth parametric motions of a figure: walking, waving, jumping, turning.

A :class:`MotionClip` maps a frame index to the figure's pelvis position,
its pose angles (see :data:`~.figure.POSE_KEYS`) and its yaw. Every motion is
a sum of sinusoids of the frame index, so consecutive frames are close and a
joint hidden in one frame is predictable from its neighbours.
"""
from typing import Dict, Tuple

import numpy as np

from .figure import POSE_KEYS

MOTION_KINDS = ('walk', 'wave', 'jump', 'turn')


class MotionClip:
    """The motion of one figure over a video.

    Args:
        kind (str): One of :data:`MOTION_KINDS`.
        height (float): Figure height in pixels (scales displacements).
        start (np.ndarray): Pelvis position at frame 0, shape (2,), pixels.
        velocity (np.ndarray): Pelvis drift in pixels per frame, shape (2,).
        rng (np.random.Generator): Source of the motion's random parameters.
        period_range (tuple): Min/max frames per motion cycle (a stride,
            a wave, a jump). Defaults to (16, 32), 0.6-1.3 s at 25 fps.
    """

    def __init__(self,
                 kind: str,
                 height: float,
                 start: np.ndarray,
                 velocity: np.ndarray,
                 rng: np.random.Generator,
                 period_range: Tuple[float, float] = (16.0, 32.0)) -> None:
        if kind not in MOTION_KINDS:
            raise ValueError(f'motion kind must be one of {MOTION_KINDS}, '
                             f'got {kind!r}')
        if not 0 < period_range[0] <= period_range[1]:
            raise ValueError(f'period_range must be (low, high) with 0 < low '
                             f'<= high frames, got {tuple(period_range)}')
        self.kind = kind
        self.height = float(height)
        self.start = np.asarray(start, np.float64)
        self.velocity = np.asarray(velocity, np.float64)
        self.freq = 1.0 / rng.uniform(*period_range)  # cycles per frame
        self.phase0 = rng.uniform(0, 2 * np.pi)
        self.amp = rng.uniform(0.8, 1.2)
        self.dir = 1.0 if self.velocity[0] >= 0 else -1.0
        self.yaw0 = rng.uniform(-0.35, 0.35)
        if kind == 'walk':
            self.yaw0 = self.dir * rng.uniform(0.5, 1.2)
        self.wave_arms = rng.integers(1, 4)  # 1 left, 2 right, 3 both
        # Small smooth per-angle wobble: (K, 2) amplitudes and phases.
        self.wobble_amp = rng.uniform(0, 0.12, size=len(POSE_KEYS))
        self.wobble_freq = rng.uniform(1 / 30, 1 / 10, size=len(POSE_KEYS))
        self.wobble_phase = rng.uniform(0, 2 * np.pi, size=len(POSE_KEYS))

    def at(self, t: float) -> Tuple[np.ndarray, Dict[str, float], float]:
        """The figure's state at frame ``t``.

        Returns:
            tuple: pelvis ``(x, y)`` (2,) in pixels, pose angles (dict of
            radians keyed by :data:`POSE_KEYS`), yaw in radians.
        """
        phi = 2 * np.pi * self.freq * t + self.phase0
        s, c = np.sin(phi), np.cos(phi)
        pose = dict(trunk=0.0, head=0.0, l_arm=0.25, l_elbow=0.15,
                    r_arm=-0.25, r_elbow=-0.15, l_leg=0.06, l_knee=0.0,
                    r_leg=-0.06, r_knee=0.0)
        pelvis = self.start + self.velocity * t
        yaw, a, d = self.yaw0, self.amp, self.dir
        if self.kind == 'walk':
            pose.update(trunk=0.06 * d, l_leg=0.45 * a * s,
                        r_leg=-0.45 * a * s, l_knee=-d * 0.6 * max(0.0, -c),
                        r_knee=-d * 0.6 * max(0.0, c),
                        l_arm=-0.5 * a * s, r_arm=0.5 * a * s,
                        l_elbow=0.35 * d, r_elbow=0.35 * d)
            pelvis = pelvis + [0.0, -0.02 * self.height * abs(c)]
        elif self.kind == 'wave':
            raise_l, raise_r = self.wave_arms & 1, self.wave_arms & 2
            if raise_l:
                pose.update(l_arm=2.3 + 0.25 * a * s,
                            l_elbow=0.6 * a * np.sin(2 * phi))
            if raise_r:
                pose.update(r_arm=-2.3 - 0.25 * a * c,
                            r_elbow=-0.6 * a * np.cos(2 * phi))
            pose.update(l_leg=0.15, r_leg=-0.15, trunk=0.05 * s)
        elif self.kind == 'jump':
            crouch, air = max(0.0, -s), max(0.0, s)
            pose.update(l_leg=0.1 + 0.5 * crouch, l_knee=-1.0 * crouch,
                        r_leg=-0.1 - 0.5 * crouch, r_knee=1.0 * crouch,
                        l_arm=0.3 + 2.0 * air * a, r_arm=-0.3 - 2.0 * air * a,
                        l_elbow=0.3 * air, r_elbow=-0.3 * air)
            # A crouch lowers the pelvis by the legs' shortening; a jump lifts.
            drop = 0.45 * self.height * (1 - np.cos(0.5 * crouch))
            pelvis = pelvis + [0.0, drop - 0.15 * self.height * a * air ** 1.5]
        else:  # turn
            yaw = self.yaw0 + 1.1 * np.sin(0.5 * phi)
            pose.update(l_arm=0.3 + 0.4 * s, r_arm=-0.3 + 0.4 * c,
                        l_elbow=0.5 + 0.4 * c, r_elbow=-0.5 - 0.4 * s,
                        head=0.15 * s)
        wob = self.wobble_amp * np.sin(
            2 * np.pi * self.wobble_freq * t + self.wobble_phase)
        pose = {k: float(pose[k] + w) for k, w in zip(POSE_KEYS, wob)}
        return pelvis, pose, float(np.clip(yaw, -1.35, 1.35))
