# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The articulated 2D figure: body proportions, colours and joint positions.

Joints follow the 17-slot PoseTrack18 layout (nose, head_bottom, head_top,
two unannotated ear slots, shoulders, elbows, wrists, hips, knees, ankles).
Angles are in radians and measured in image coordinates: a direction of
angle ``a`` is ``(sin a, cos a)`` (x right, y down), so ``0`` points straight
down and a positive angle points towards +x.
"""
from dataclasses import dataclass
from typing import Dict, Tuple

import cv2
import numpy as np

from fami_pose_mm.fileio import POSETRACK18_KEYPOINTS

KEYPOINT_NAMES = POSETRACK18_KEYPOINTS
(NOSE, HEAD_BOTTOM, HEAD_TOP, L_EAR, R_EAR, L_SHO, R_SHO, L_ELB, R_ELB, L_WRI,
 R_WRI, L_HIP, R_HIP, L_KNE, R_KNE, L_ANK, R_ANK) = range(17)
NUM_KEYPOINTS = 17
#: Slots that are never annotated in PoseTrack18 (the ears).
UNANNOTATED = (L_EAR, R_EAR)

#: Pose angle names a :class:`~.motion.MotionClip` must provide.
POSE_KEYS = ('trunk', 'head', 'l_arm', 'l_elbow', 'r_arm', 'r_elbow', 'l_leg',
             'l_knee', 'r_leg', 'r_knee')

# Segment lengths as fractions of the figure height.
_PELVIS_TO_SHO = 0.28
_PELVIS_TO_CHIN = 0.33
_HEAD_RY, _HEAD_RX = 0.07, 0.056
_SHO_HALF, _HIP_HALF = 0.115, 0.075
_UPPER_ARM, _FOREARM = 0.165, 0.15
_THIGH, _SHIN = 0.23, 0.22


def direction(angle: np.ndarray) -> np.ndarray:
    """Unit vector(s) ``(sin a, cos a)`` of shape ``(..., 2)``."""
    angle = np.asarray(angle, dtype=np.float64)
    return np.stack([np.sin(angle), np.cos(angle)], axis=-1)


@dataclass
class FigureSpec:
    """Appearance and proportions of one figure (fixed over a video).

    Args:
        height (float): Ankle-to-head-top height in pixels.
        limb_scale (np.ndarray): Per-segment length multipliers, shape (4,)
            (upper arm, forearm, thigh, shin).
        colours (np.ndarray): Part colour table, shape (9, 3), uint8 BGR,
            indexed by the part labels of :mod:`.render`.
        texture (np.ndarray): Clothing brightness modulation in [0.6, 1.2],
            shape (S, S) float32, anchored to the figure's pelvis.
    """

    height: float
    limb_scale: np.ndarray
    colours: np.ndarray
    texture: np.ndarray

    @property
    def head_radii(self) -> Tuple[float, float]:
        """Head ellipse radii ``(rx, ry)`` in pixels."""
        return _HEAD_RX * self.height, _HEAD_RY * self.height

    @property
    def limb_width(self) -> float:
        """Base thickness of the limbs in pixels."""
        return 0.05 * self.height


def sample_figure(rng: np.random.Generator, height: float) -> FigureSpec:
    """Draw a figure's proportions, colours and clothing texture.

    Left limbs are always warm (red/orange/yellow), right limbs always cool
    (blue/cyan/green), so the two sides are distinguishable at any yaw.
    """
    if height <= 0:
        raise ValueError(f'figure height must be > 0, got {height}')
    colours = np.zeros((9, 3), np.uint8)
    colours[1] = (20, 20, 20)                                # outline
    colours[2] = _hsv_to_bgr(rng.uniform(0, 30), rng.uniform(.7, 1),
                             rng.uniform(.75, 1))            # left limbs
    colours[3] = _hsv_to_bgr(rng.uniform(90, 125), rng.uniform(.7, 1),
                             rng.uniform(.75, 1))            # right limbs
    colours[4] = _hsv_to_bgr(rng.uniform(0, 180), rng.uniform(0, .5),
                             rng.uniform(.35, .8))           # torso
    colours[5] = _hsv_to_bgr(rng.uniform(8, 20), rng.uniform(.3, .6),
                             rng.uniform(.6, .95))           # skin
    colours[6] = _hsv_to_bgr(rng.uniform(0, 30), rng.uniform(.3, .8),
                             rng.uniform(.1, .35))           # hair
    colours[7] = (15, 15, 15)                                # eyes, mouth
    colours[8] = (40, 40, 170)                               # nose mark
    size = int(np.ceil(height * 1.6))
    low = rng.random((size // 8 + 2, size // 8 + 2)).astype(np.float32)
    tex = cv2.resize(low, (size, size), interpolation=cv2.INTER_CUBIC)
    yy, xx = np.mgrid[:size, :size].astype(np.float32)
    theta, period = rng.uniform(0, np.pi), rng.uniform(4, 12)
    stripes = np.sin((xx * np.cos(theta) + yy * np.sin(theta)) / period)
    tex = 0.9 + 0.15 * (tex - 0.5) + 0.1 * rng.uniform(0, 1) * stripes
    return FigureSpec(
        height=float(height),
        limb_scale=rng.uniform(0.92, 1.08, size=4),
        colours=colours,
        texture=np.clip(tex, 0.6, 1.2).astype(np.float32))


def _hsv_to_bgr(h: float, s: float, v: float) -> Tuple[int, int, int]:
    hsv = np.array([[[h, s * 255, v * 255]]], np.float32).astype(np.uint8)
    return tuple(int(c) for c in cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)[0, 0])


def figure_joints(spec: FigureSpec, pelvis: np.ndarray, pose: Dict[str, float],
                  yaw: float) -> Dict[str, np.ndarray]:
    """Joint positions of a figure in image coordinates.

    Args:
        spec (FigureSpec): The figure.
        pelvis (np.ndarray): Pelvis centre ``(x, y)`` in pixels, shape (2,).
        pose (dict): Angles named by :data:`POSE_KEYS` (radians). ``*_arm``
            and ``head`` are relative to the trunk, ``*_leg`` absolute,
            ``*_elbow``/``*_knee`` relative to the parent segment.
        yaw (float): Body rotation about the vertical axis in radians,
            ``|yaw| < pi/2``; lateral widths shrink by ``cos(yaw)`` and the
            face shifts by ``sin(yaw)``.

    Returns:
        dict: ``keypoints`` (17, 2) float64 (ear slots hold the head's side
        points, used for extents only), ``head_center`` (2,), ``head_axes``
        (2, 2) (lateral and up unit vectors of the head).
    """
    h = spec.height
    kp = np.zeros((NUM_KEYPOINTS, 2))
    up = -direction(pose['trunk'])
    lat = np.array([-up[1], up[0]])  # image-right when upright
    cy = np.cos(yaw)
    sho_c = pelvis + up * _PELVIS_TO_SHO * h
    kp[L_SHO] = sho_c + lat * _SHO_HALF * h * cy
    kp[R_SHO] = sho_c - lat * _SHO_HALF * h * cy
    kp[L_HIP] = pelvis + lat * _HIP_HALF * h * cy
    kp[R_HIP] = pelvis - lat * _HIP_HALF * h * cy
    ua, fa, th, sh = spec.limb_scale * np.array(
        [_UPPER_ARM, _FOREARM, _THIGH, _SHIN]) * h
    t = pose['trunk']
    for sho, elb, wri, arm, bend in ((L_SHO, L_ELB, L_WRI, 'l_arm', 'l_elbow'),
                                     (R_SHO, R_ELB, R_WRI, 'r_arm', 'r_elbow')):
        kp[elb] = kp[sho] + direction(t + pose[arm]) * ua
        kp[wri] = kp[elb] + direction(t + pose[arm] + pose[bend]) * fa
    for hip, kne, ank, leg, bend in ((L_HIP, L_KNE, L_ANK, 'l_leg', 'l_knee'),
                                     (R_HIP, R_KNE, R_ANK, 'r_leg', 'r_knee')):
        kp[kne] = kp[hip] + direction(pose[leg]) * th
        kp[ank] = kp[kne] + direction(pose[leg] + pose[bend]) * sh
    head_up = -direction(t + pose['head'])
    head_lat = np.array([-head_up[1], head_up[0]])
    rx, ry = spec.head_radii
    kp[HEAD_BOTTOM] = pelvis + up * _PELVIS_TO_CHIN * h
    centre = kp[HEAD_BOTTOM] + head_up * ry
    kp[HEAD_TOP] = centre + head_up * 0.9 * ry
    kp[NOSE] = centre + head_lat * 0.55 * rx * np.sin(yaw) - head_up * 0.33 * ry
    kp[L_EAR] = centre + head_lat * rx
    kp[R_EAR] = centre - head_lat * rx
    return dict(keypoints=kp, head_center=centre,
                head_axes=np.stack([head_lat, head_up]))
