# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Generated ground-truth people and noisy predictions of them, for the
equality tests of the tracking metrics (MOTA, keypoint HOTA)."""
import numpy as np

#: Joint offsets from the body centre, in head sizes (17 slots; ears 3-4).
BODY = np.array([[0, -3], [0, -2.6], [0, -3.6], [0, 0], [0, 0], [-1, -2],
                 [1, -2], [-1.4, -1], [1.4, -1], [-1.6, 0], [1.6, 0],
                 [-0.6, 0.4], [0.6, 0.4], [-0.6, 2], [0.6, 2], [-0.6, 3.6],
                 [0.6, 3.6]])


def gt_person(rng, image_id, track, centre, head, **extra):
    """A ground-truth person: 17 slots (ears and ~10% unannotated), its
    head box and ``extra`` fields."""
    xy = centre + BODY * head + rng.normal(0, 0.05 * head, (17, 2))
    vis = (rng.random(17) > 0.1).astype(float)
    vis[3:5] = 0
    kpts = np.concatenate([xy * vis[:, None], vis[:, None]], 1)
    top = centre + BODY[2] * head
    return dict(id=image_id * 100 + track, image_id=image_id, track_id=track,
                category_id=1, keypoints=kpts.reshape(-1).tolist(),
                bbox_head=[float(top[0] - head / 2),
                           float(top[1] - head / 4), head, head * 1.1],
                **extra)


def pred_person(rng, image_id, gt, track, noise):
    """A noisy copy of a ground-truth person (some joints dropped)."""
    kpts = np.array(gt['keypoints']).reshape(17, 3)
    head = gt['bbox_head'][2]
    xy = kpts[:, :2] + rng.normal(0, noise * head, (17, 2))
    keep = (kpts[:, 2] > 0) & (rng.random(17) > 0.08)
    score = rng.uniform(0.1, 1.0, 17)
    out = np.concatenate([xy, score[:, None]], 1) * keep[:, None]
    return dict(image_id=image_id, track_id=track, category_id=1,
                keypoints=out.reshape(-1).tolist(),
                scores=(score * keep).tolist())
