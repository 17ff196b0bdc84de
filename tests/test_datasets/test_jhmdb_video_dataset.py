# Copyright (c) fami-pose-mm contributors. All rights reserved.
import os.path as osp

import numpy as np
from video_data_helpers import JHMDB, JHMDB_ANN, load_json

from fami_pose_mm.datasets import JhmdbVideoDataset


def test_jhmdb_windows_and_coordinates():
    ds = JhmdbVideoDataset(ann_file=JHMDB_ANN, data_root=JHMDB,
                           test_mode=True)
    assert len(ds) == 3
    assert ds.metainfo['num_keypoints'] == 15
    raw = load_json(JHMDB_ANN)
    info = ds.get_data_info(0)
    assert info['img_id'] == raw['images'][0]['id'] == 2280001
    assert info['img_path'] == osp.join(
        JHMDB, 'Frisbee_catch_f_cm_np1_ri_med_0', '00001.png')
    # 1-indexed clip of 37 frames, key 1: t-2 and t-1 -> frame 1
    assert info['supporting_frame_indices'] == [1, 1, 2, 3]
    assert [osp.basename(p) for p in info['supporting_img_paths']] == [
        '00001.png', '00001.png', '00002.png', '00003.png']
    # MATLAB 1-based coordinates shifted by -1, as mmpose's JhmdbDataset
    kp = np.array(raw['annotations'][0]['keypoints']).reshape(-1, 3)
    np.testing.assert_allclose(info['keypoints'][0], kp[:, :2] - 1,
                               rtol=1e-6)
    np.testing.assert_allclose(info['bbox'][0], [78, 61, 132, 220])
