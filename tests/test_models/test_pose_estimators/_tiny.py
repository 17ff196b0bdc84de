# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The tiny FAMI model with 5 keypoints and a fixed synthetic clip batch
for the estimator tests (the model is ``fami_pose_mm.testing``'s)."""
import numpy as np
import torch
from mmengine.structures import InstanceData, PixelData
from mmpose.registry import KEYPOINT_CODECS
from mmpose.structures import PoseDataSample

from fami_pose_mm.testing import TINY_CODEC as CODEC
from fami_pose_mm.testing import tiny_fami_model, tiny_head, tiny_hrnet

K = 5
FLIP_INDICES = [0, 2, 1, 4, 3]
TINY_HRNET = tiny_hrnet()
HEAD = tiny_head(K)


def model_cfg(num_keypoints: int = K, **overrides) -> dict:
    """The tiny 3-frame FAMI model with flip test (K keypoints)."""
    flip_test = dict(flip_test=True, flip_mode='heatmap', shift_heatmap=False)
    return tiny_fami_model(num_frames=3, num_keypoints=num_keypoints,
                           **{'test_cfg': flip_test, **overrides})


def make_batch(batch_size: int = 2, num_frames: int = 3, seed: int = 0,
               heatmap_size=CODEC['heatmap_size']):
    """Clips with bright joint blobs that drift by 1 px per frame; target
    heatmaps of ``heatmap_size`` (w, h)."""
    rng = np.random.default_rng(seed)
    codec = KEYPOINT_CODECS.build(dict(CODEC, heatmap_size=heatmap_size))
    inputs, samples = [], []
    ys, xs = np.mgrid[0:64, 0:48]
    for _ in range(batch_size):
        kpts = np.stack([rng.uniform(8, 40, K), rng.uniform(8, 56, K)], 1)
        clip = np.zeros((num_frames, 3, 64, 48), np.float32)
        for t in range(num_frames):
            for k, (x, y) in enumerate(kpts + t):
                blob = np.exp(-((xs - x)**2 + (ys - y)**2) / 8.0)
                clip[t, k % 3] += 255 * blob
        inputs.append(torch.from_numpy(clip.clip(0, 255).astype(np.uint8)))
        enc = codec.encode(kpts[None], np.ones((1, K)))
        sample = PoseDataSample(metainfo=dict(
            img_path='clip.jpg', input_size=(48, 64),
            input_center=np.array([24.0, 32.0]),
            input_scale=np.array([48.0, 64.0]), flip_indices=FLIP_INDICES))
        sample.gt_instances = InstanceData(
            bboxes=np.array([[0.0, 0.0, 48.0, 64.0]]),
            bbox_scores=np.ones(1), keypoints=kpts[None])
        sample.gt_fields = PixelData(
            heatmaps=torch.from_numpy(enc['heatmaps']).float())
        sample.gt_instance_labels = InstanceData(
            keypoint_weights=torch.from_numpy(
                enc['keypoint_weights']).float())
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)
