# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Degradations: camera shake, linear motion blur, sensor noise, and the
per-joint occlusion test.

Camera shake is an affine warp of the whole rendered frame about the image
centre: a slow drift plus independent per-frame jitter of the translation
(pixels), the rotation (degrees) and the zoom (scale factor), so consecutive
frames are misaligned by a few pixels and degrees.
"""
from typing import Tuple

import cv2
import numpy as np


def camera_shake(rng: np.random.Generator, num_frames: int, width: int,
                 height: int, trans_std: float, rot_std: float,
                 zoom_std: float) -> np.ndarray:
    """Per-frame camera affine matrices.

    Args:
        rng (np.random.Generator): Random source.
        num_frames (int): Number of frames F.
        width (int): Image width W in pixels.
        height (int): Image height H in pixels.
        trans_std (float): Std of the per-frame translation jitter, pixels.
        rot_std (float): Std of the per-frame rotation jitter, degrees.
        zoom_std (float): Std of the per-frame zoom jitter (scale - 1).

    Returns:
        np.ndarray: (F, 2, 3) float64 matrices mapping scene to image pixels.
    """
    t = np.arange(num_frames, dtype=np.float64)
    freq, phase = rng.uniform(0.02, 0.08, 4), rng.uniform(0, 2 * np.pi, 4)
    drift = np.sin(2 * np.pi * freq[:, None] * t + phase[:, None])  # (4, F)
    jitter = np.clip(rng.normal(0, 1, (4, num_frames)), -2.5, 2.5)
    tx = trans_std * (1.5 * drift[0] + jitter[0])
    ty = trans_std * (1.5 * drift[1] + jitter[1])
    rot = rot_std * (drift[2] + jitter[2])
    zoom = 1.0 + zoom_std * (drift[3] + jitter[3])
    mats = np.zeros((num_frames, 2, 3))
    for i in range(num_frames):
        mats[i] = cv2.getRotationMatrix2D((width / 2, height / 2),
                                          float(rot[i]), float(zoom[i]))
        mats[i, :, 2] += (tx[i], ty[i])
    return mats


def transform_points(points: np.ndarray, mat: np.ndarray) -> np.ndarray:
    """Apply a (2, 3) affine ``mat`` to (N, 2) points."""
    return points @ mat[:, :2].T + mat[:, 2]


def warp_frame(img: np.ndarray, mat: np.ndarray) -> np.ndarray:
    """Warp an (H, W, 3) frame by ``mat``; borders are reflected."""
    h, w = img.shape[:2]
    return cv2.warpAffine(img, mat, (w, h), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REFLECT_101)


def motion_blur_kernel(length: int, angle: float) -> np.ndarray:
    """A normalised linear motion-blur kernel.

    Args:
        length (int): Length of the blur streak in pixels (>= 1).
        angle (float): Direction of motion in degrees.

    Returns:
        np.ndarray: (k, k) float32 kernel summing to 1, ``k`` = odd length.
    """
    if length < 1:
        raise ValueError(f'motion blur length must be >= 1, got {length}')
    k = int(length) | 1
    kernel = np.zeros((k, k), np.float32)
    c = (k - 1) / 2
    d = np.array([np.cos(np.radians(angle)), np.sin(np.radians(angle))]) * c
    p0 = tuple(int(round(v)) for v in (c - d[0], c - d[1]))
    p1 = tuple(int(round(v)) for v in (c + d[0], c + d[1]))
    cv2.line(kernel, p0, p1, 1.0, 1)
    return kernel / kernel.sum()


def apply_motion_blur(img: np.ndarray, length: int, angle: float) -> np.ndarray:
    """Blur an (H, W, 3) uint8 frame with a linear kernel."""
    return cv2.filter2D(img, -1, motion_blur_kernel(length, angle),
                        borderType=cv2.BORDER_REFLECT_101)


def add_noise(rng: np.random.Generator, img: np.ndarray,
              std: float) -> np.ndarray:
    """Add Gaussian sensor noise of ``std`` grey levels (uint8 in and out)."""
    if std <= 0:
        return img
    noise = rng.normal(0, std, img.shape).astype(np.float32)
    return np.clip(img.astype(np.float32) + noise, 0, 255).astype(np.uint8)


def occlusion_flags(owner: np.ndarray, points: np.ndarray,
                    label: int) -> np.ndarray:
    """Which joints of a figure are hidden by something drawn over them.

    A joint counts as occluded when the owner map at its (rounded) pixel is
    neither the figure itself nor the background (a figure is always drawn
    under its own joints, so background there never happens in practice).
    Points outside the map are not occluded.

    Args:
        owner (np.ndarray): (H, W) uint8 owner map of the scene.
        points (np.ndarray): (K, 2) joint positions in the same pixels.
        label (int): Owner value of the figure.

    Returns:
        np.ndarray: (K,) bool.
    """
    h, w = owner.shape
    xy = np.round(points).astype(np.int64)
    inside = (xy[:, 0] >= 0) & (xy[:, 0] < w) & (xy[:, 1] >= 0) & (xy[:, 1] < h)
    vals = np.zeros(len(points), np.int64)
    vals[inside] = owner[xy[inside, 1], xy[inside, 0]]
    return inside & (vals != label) & (vals != 0)


def blur_params(rng: np.random.Generator, prob: float,
                length_range: Tuple[int, int]) -> Tuple[int, float]:
    """Draw whether a frame is blurred: (length, angle), length 0 = sharp."""
    if rng.random() >= prob:
        return 0, 0.0
    return int(rng.integers(length_range[0], length_range[1] + 1)), float(
        rng.uniform(0, 180))
