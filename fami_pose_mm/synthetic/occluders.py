# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Textured occluders (rectangles, ellipses, blobs, poles) moving across people.

Each occluder is a sprite (a textured patch and its shape mask) that moves
on a straight line. Moving occluders are aimed so that they pass over a
chosen figure at a chosen frame, hiding its joints for a few frames only:
the neighbouring frames still show them.
"""
from typing import Tuple

import cv2
import numpy as np

from .render import OCCLUDER


class Occluder:
    """One occluder sprite and its straight-line trajectory.

    Args:
        patch (np.ndarray): (h, w, 3) uint8 BGR texture.
        mask (np.ndarray): (h, w) bool shape mask.
        centre0 (np.ndarray): Sprite centre at frame 0, shape (2,), pixels.
        velocity (np.ndarray): Pixels per frame, shape (2,).
    """

    def __init__(self, patch: np.ndarray, mask: np.ndarray,
                 centre0: np.ndarray, velocity: np.ndarray) -> None:
        if patch.shape[:2] != mask.shape:
            raise ValueError(f'occluder patch {patch.shape[:2]} and mask '
                             f'{mask.shape} sizes differ')
        self.patch, self.mask = patch, mask
        self.centre0 = np.asarray(centre0, np.float64)
        self.velocity = np.asarray(velocity, np.float64)

    def paste(self, img: np.ndarray, owner: np.ndarray, t: float) -> None:
        """Draw the occluder at frame ``t`` in place and mark ``owner``."""
        h, w = self.mask.shape
        c = self.centre0 + self.velocity * t
        x0, y0 = int(round(c[0] - w / 2)), int(round(c[1] - h / 2))
        H, W = owner.shape
        ix0, iy0, ix1, iy1 = max(x0, 0), max(y0, 0), min(x0 + w, W), min(
            y0 + h, H)
        if ix0 >= ix1 or iy0 >= iy1:
            return
        m = self.mask[iy0 - y0:iy1 - y0, ix0 - x0:ix1 - x0]
        p = self.patch[iy0 - y0:iy1 - y0, ix0 - x0:ix1 - x0]
        img[iy0:iy1, ix0:ix1][m] = p[m]
        owner[iy0:iy1, ix0:ix1][m] = OCCLUDER


def make_sprite(rng: np.random.Generator, width: int,
                height: int) -> Tuple[np.ndarray, np.ndarray]:
    """A random textured shape of about ``width`` x ``height`` pixels.

    Returns:
        tuple: patch (h, w, 3) uint8 and mask (h, w) bool.
    """
    width, height = max(4, int(width)), max(4, int(height))
    mask = np.zeros((height, width), np.uint8)
    kind = rng.integers(3)
    if kind == 0:                                   # rotated rectangle
        box = ((width / 2, height / 2), (width * 0.9, height * 0.7),
               float(rng.uniform(-30, 30)))
        cv2.fillConvexPoly(mask, np.round(cv2.boxPoints(box)).astype(
            np.int32), 1)
    elif kind == 1:                                 # ellipse
        cv2.ellipse(mask, (width // 2, height // 2),
                    (width // 2 - 1, height // 2 - 1), 0, 0, 360, 1, -1)
    else:                                           # star-shaped blob
        n = 12
        ang = np.linspace(0, 2 * np.pi, n, endpoint=False)
        rad = rng.uniform(0.55, 1.0, n)
        pts = np.stack([width / 2 * (1 + 0.95 * rad * np.cos(ang)),
                        height / 2 * (1 + 0.95 * rad * np.sin(ang))], 1)
        cv2.fillPoly(mask, [np.round(pts).astype(np.int32)], 1)
    low = rng.random((height // 6 + 2, width // 6 + 2, 3)).astype(np.float32)
    tex = cv2.resize(low, (width, height), interpolation=cv2.INTER_NEAREST)
    yy, xx = np.mgrid[:height, :width].astype(np.float32)
    stripes = np.sin((xx + yy * rng.uniform(-1, 1)) / rng.uniform(2, 6))
    base = rng.uniform(30, 220, size=3)
    patch = base + 50 * (tex - 0.5) + 25 * stripes[..., None]
    return np.clip(patch, 0, 255).astype(np.uint8), mask.astype(bool)


def sample_occluders(rng: np.random.Generator, targets: np.ndarray,
                     person_height: float, num: int, num_frames: int,
                     speed_range: Tuple[float, float],
                     size_range: Tuple[float, float]) -> list:
    """Occluders that cross the given target points.

    Args:
        rng (np.random.Generator): Random source.
        targets (np.ndarray): (F, P, 2) pelvis-ish target per frame and
            figure, pixels; each occluder picks one figure and one frame.
        person_height (float): Typical figure height in pixels.
        num (int): Number of occluders.
        num_frames (int): Frames in the video.
        speed_range (tuple): Min/max speed in pixels per frame.
        size_range (tuple): Min/max size as a fraction of person height.

    Returns:
        list[Occluder]: The occluders (one in five is a static pole).
    """
    out = []
    for _ in range(num):
        p = int(rng.integers(targets.shape[1]))
        tc = rng.uniform(0.15, 0.85) * (num_frames - 1)
        target = targets[int(round(tc)), p] + rng.normal(0, 0.2, 2) * \
            person_height
        if rng.random() < 0.2:   # static vertical pole next to the path
            w = rng.uniform(0.08, 0.16) * person_height
            patch, mask = make_sprite(rng, w, 1.4 * person_height)
            mask[:] = True
            out.append(Occluder(patch, mask, target, np.zeros(2)))
            continue
        size = rng.uniform(*size_range) * person_height
        aspect = rng.uniform(0.6, 1.6)
        patch, mask = make_sprite(rng, size * aspect, size / aspect)
        ang = rng.uniform(-0.5, 0.5) + (np.pi if rng.random() < 0.5 else 0)
        vel = rng.uniform(*speed_range) * np.array([np.cos(ang), np.sin(ang)])
        out.append(Occluder(patch, mask, target - vel * tc, vel))
    return out
