# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The dataset base configs build and run on the real sample files."""
import os.path as osp

import pytest
from video_data_helpers import (CONFIGS, JHMDB, JHMDB_ANN, PT18, PT18_DET,
                                PT18_VAL)
from mmengine.config import Config
from mmpose.registry import DATASETS


def _cfg(name):
    return Config.fromfile(osp.join(CONFIGS, name))


def test_posetrack18_val_with_detections_runs_end_to_end():
    cfg = _cfg('posetrack18_video.py')
    assert cfg.dataset_type == 'PoseTrackVideoDataset'
    assert cfg.frame_offsets == (-2, -1, 1, 2)
    assert cfg.codec['input_size'] == (288, 384)
    assert cfg.codec['heatmap_size'] == (72, 96) and cfg.codec['sigma'] == 3
    assert cfg.val_evaluator['type'] == 'PoseTrackAPMetric'
    assert cfg.val_evaluator['ann_file'].endswith(
        'annotations/posetrack18_val.json')
    assert cfg.test_evaluator == cfg.val_evaluator
    ds_cfg = cfg.val_dataloader.dataset
    assert ds_cfg.det_score_thr == 0.2 and ds_cfg.bbox_file
    assert 'bbox_file' not in cfg.train_dataloader.dataset
    # neighbours of the sample frames are not shipped: nearest fallback
    ds_cfg.update(ann_file=PT18_VAL, bbox_file=PT18_DET, data_root=PT18,
                  missing_frame='nearest')
    ds = DATASETS.build(ds_cfg)
    assert len(ds) == 186
    with pytest.warns(UserWarning, match='frame 1 missing'):
        packed = ds[0]
    assert tuple(packed['inputs'].shape) == (5, 3, 384, 288)
    meta = packed['data_samples'].metainfo
    assert meta['img_id'] == 10128340000
    assert meta['supporting_frame_indices'] == [0, 0, 0, 0]


def test_posetrack17_config_uses_dcpose_naming():
    cfg = _cfg('posetrack17_video.py')
    for loader in (cfg.train_dataloader, cfg.val_dataloader):
        assert loader.dataset.frame_name_template == '{:08d}.jpg'
        assert loader.dataset.frame_index_base == 1
    assert cfg.val_evaluator['ann_file'].endswith('posetrack17_val.json')


def test_jhmdb_config_runs_on_the_sample_clips():
    cfg = _cfg('jhmdb_video.py')
    assert cfg.val_evaluator[0]['type'] == 'JhmdbPCKAccuracy'
    assert cfg.val_evaluator[0]['thr'] == 0.2
    ds_cfg = cfg.val_dataloader.dataset
    ds_cfg.update(ann_file=JHMDB_ANN, data_root=JHMDB,
                  missing_frame='nearest')
    ds = DATASETS.build(ds_cfg)
    with pytest.warns(UserWarning, match='frame 3 missing'):
        packed = ds[2]
    assert tuple(packed['inputs'].shape) == (5, 3, 384, 288)
    assert packed['data_samples'].metainfo['img_id'] == 2300001
