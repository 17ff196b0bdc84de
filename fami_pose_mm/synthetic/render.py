# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Rendering: textured backgrounds, figures and occluder sprites.

Everything is drawn with OpenCV primitives into a part-label map and then
coloured with whole-array numpy operations (no per-pixel Python loops). An
``owner`` map (uint8, same size as the image) records which layer is on top
at every pixel: 0 background, ``1 + track_id`` a figure, :data:`OCCLUDER`
an occluder; it is what the occlusion flags are read from.
"""
from typing import Dict, Tuple

import cv2
import numpy as np

from .figure import (HEAD_BOTTOM, L_ANK, L_ELB, L_HIP, L_KNE, L_SHO, L_WRI,
                     NOSE, R_ANK, R_ELB, R_HIP, R_KNE, R_SHO, R_WRI,
                     FigureSpec)

OCCLUDER = 255
# Part labels (index the FigureSpec colour table).
_OUTLINE, _LEFT, _RIGHT, _TORSO, _SKIN, _HAIR, _MARK, _NOSE = range(1, 9)
_TEXTURED = np.zeros(9, bool)
_TEXTURED[[_LEFT, _RIGHT, _TORSO]] = True


def _pt(p: np.ndarray) -> Tuple[int, int]:
    return int(round(float(p[0]))), int(round(float(p[1])))


def make_background(rng: np.random.Generator, width: int,
                    height: int) -> np.ndarray:
    """A cluttered textured background: colour noise, stripes and blobs.

    Returns:
        np.ndarray: (H, W, 3) uint8 BGR image.
    """
    low = rng.random((height // 24 + 2, width // 24 + 2, 3)).astype(np.float32)
    base = cv2.resize(low, (width, height), interpolation=cv2.INTER_CUBIC)
    base = np.clip(base, 0, 1)
    base = 40 + 160 * (0.55 * base + 0.45 * base.mean(-1, keepdims=True))
    yy, xx = np.mgrid[:height, :width].astype(np.float32)
    theta, period = rng.uniform(0, np.pi), rng.uniform(3, 14)
    stripes = np.sin((xx * np.cos(theta) + yy * np.sin(theta)) / period)
    base += (rng.uniform(10, 40) * stripes)[..., None] * rng.uniform(
        0.3, 1, size=3)
    img = np.clip(base, 0, 255).astype(np.uint8)
    for _ in range(int(rng.integers(6, 16))):      # blobs
        centre = _pt(rng.uniform([0, 0], [width, height]))
        axes = _pt(rng.uniform(5, 0.18 * width, size=2))
        cv2.ellipse(img, centre, axes, float(rng.uniform(0, 180)), 0, 360,
                    tuple(int(c) for c in rng.integers(0, 256, 3)), -1)
    for _ in range(int(rng.integers(2, 6))):       # limb-like distractors
        p0 = rng.uniform([0, 0], [width, height])
        p1 = p0 + rng.uniform(-0.15, 0.15, 2) * [width, height]
        cv2.line(img, _pt(p0), _pt(p1),
                 tuple(int(c) for c in rng.integers(0, 256, 3)),
                 int(rng.integers(3, 8)))
    noise = rng.normal(0, 6, img.shape)
    return np.clip(img + noise, 0, 255).astype(np.uint8)


def draw_figure(img: np.ndarray, owner: np.ndarray, spec: FigureSpec,
                joints: Dict[str, np.ndarray], yaw: float, label: int) -> None:
    """Draw one figure in place onto ``img`` and mark it in ``owner``.

    Args:
        img (np.ndarray): (H, W, 3) uint8 BGR canvas, modified in place.
        owner (np.ndarray): (H, W) uint8 owner map, modified in place.
        spec (FigureSpec): The figure's appearance.
        joints (dict): Output of :func:`~.figure.figure_joints`.
        yaw (float): Body yaw in radians (chooses the near/far side).
        label (int): Owner value of this figure (``1 + track_id``).
    """
    kp = joints['keypoints']
    lab = np.zeros(owner.shape, np.uint8)
    w = spec.limb_width
    arms = {_LEFT: ((L_SHO, L_ELB, 1.0), (L_ELB, L_WRI, 0.85)),
            _RIGHT: ((R_SHO, R_ELB, 1.0), (R_ELB, R_WRI, 0.85))}
    legs = {_LEFT: ((L_HIP, L_KNE, 1.35), (L_KNE, L_ANK, 1.1)),
            _RIGHT: ((R_HIP, R_KNE, 1.35), (R_KNE, R_ANK, 1.1))}
    # The side turned towards the camera is drawn last (in front).
    far, near = (_RIGHT, _LEFT) if yaw < 0 else (_LEFT, _RIGHT)
    side_view = abs(np.sin(yaw)) > 0.5

    def limbs(segments, part):
        for a, b, k in segments:
            t = max(2, int(round(w * k)))
            cv2.line(lab, _pt(kp[a]), _pt(kp[b]), _OUTLINE, t + 2, cv2.LINE_8)
            cv2.line(lab, _pt(kp[a]), _pt(kp[b]), part, t, cv2.LINE_8)
        end = segments[-1][1]
        cv2.circle(lab, _pt(kp[end]), max(2, int(0.6 * w)), part, -1)

    limbs(legs[far], far)
    if side_view:
        limbs(arms[far], far)
    torso = np.array([kp[L_SHO], kp[R_SHO], kp[R_HIP], kp[L_HIP]])
    centre = torso.mean(0)
    torso = torso + np.sign(torso - centre) * 0.5 * w   # outline margin
    cv2.fillConvexPoly(lab, np.round(torso).astype(np.int32), _OUTLINE)
    cv2.fillConvexPoly(lab, np.round(centre + (torso - centre) * 0.94)
                       .astype(np.int32), _TORSO)
    limbs(legs[near], near)
    cv2.line(lab, _pt(kp[HEAD_BOTTOM]), _pt((kp[L_SHO] + kp[R_SHO]) / 2),
             _SKIN, max(2, int(0.9 * w)))
    _draw_head(lab, spec, joints, yaw)
    if not side_view:
        limbs(arms[far], far)
    limbs(arms[near], near)

    mask = lab > 0
    colour = spec.colours[lab].astype(np.float32)
    tex = _texture_at(spec.texture, joints['keypoints'][[L_HIP, R_HIP]].mean(0),
                      owner.shape)
    colour = np.where(_TEXTURED[lab][..., None], colour * tex[..., None], colour)
    img[mask] = np.clip(colour[mask], 0, 255).astype(np.uint8)
    owner[mask] = label


def _draw_head(lab: np.ndarray, spec: FigureSpec, joints: Dict[str, np.ndarray],
               yaw: float) -> None:
    """Head ellipse with hair on top, two eyes, a mouth and a nose dot."""
    rx, ry = spec.head_radii
    centre, (hlat, hup) = joints['head_center'], joints['head_axes']
    angle = float(np.degrees(np.arctan2(hlat[1], hlat[0])))
    axes = (max(2, int(round(rx))), max(2, int(round(ry))))
    cv2.ellipse(lab, _pt(centre), (axes[0] + 1, axes[1] + 1), angle, 0, 360,
                _OUTLINE, -1)
    cv2.ellipse(lab, _pt(centre), axes, angle, 0, 360, _SKIN, -1)
    # Hair: the upper half of the ellipse (angles 180..360 point to -hup).
    cv2.ellipse(lab, _pt(centre), axes, angle, 180, 360, _HAIR, -1)
    sy = np.sin(yaw)
    eye_r = max(1, int(round(0.14 * rx)))
    for side in (-1.0, 1.0):
        off = side * 0.42 * rx * np.cos(yaw) + 0.45 * rx * sy
        cv2.circle(lab, _pt(centre + hlat * off - hup * 0.1 * ry), eye_r,
                   _MARK, -1)
    mouth = centre + hlat * 0.45 * rx * sy - hup * 0.62 * ry
    half = hlat * 0.3 * rx * max(0.3, np.cos(yaw))
    cv2.line(lab, _pt(mouth - half), _pt(mouth + half), _MARK, 1)
    cv2.circle(lab, _pt(joints['keypoints'][NOSE]), eye_r, _NOSE, -1)


def _texture_at(texture: np.ndarray, anchor: np.ndarray,
                shape: Tuple[int, int]) -> np.ndarray:
    """Tile the clothing texture over the canvas, anchored at ``anchor``."""
    h, w = shape
    s = texture.shape[0]
    ox, oy = int(anchor[0]) % s, int(anchor[1]) % s
    reps = (h // s + 2, w // s + 2)
    tiled = np.tile(texture, reps)
    return tiled[s - oy:s - oy + h, s - ox:s - ox + w]
