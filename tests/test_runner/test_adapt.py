# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Adaptation without labels through `mim train mmpose`'s script on the real
PoseTrack18 clip, its boxes file, and the checkpoint in the inferencer."""
import os.path as osp
import sys

import torch
from mmengine.config import Config
from runner_helpers import CONFIGS, REPO, TRAIN_SCRIPT, run, scalars

DATA = osp.join(REPO, 'tests', 'data')
ADAPT = osp.join(CONFIGS, 'fami_tiny_adapt_runner.py')


def _single_frame_start(path: str) -> str:
    """A checkpoint of the tiny runner model's single-frame part: random
    backbone and head, the MI predictor (the teacher's head) a copy of the
    head, no neck."""
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS

    import fami_pose_mm.plugin  # noqa: F401
    init_default_scope('mmpose')
    cfg = Config.fromfile(ADAPT)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    state = {k: v for k, v in model.state_dict().items()
             if k.startswith(('backbone.', 'head.'))}
    state.update({'mi_predictor.' + k[len('head.'):]: v
                  for k, v in state.items() if k.startswith('head.')
                  and 'mi_predictor.' + k[len('head.'):] in
                  model.state_dict()})
    torch.save(dict(state_dict=state, meta=dict()), path)
    return path


def test_adapt_on_the_real_clip_then_infer(outside_repo, tmp_path):
    work_dir = str(tmp_path / 'work')
    ckpt = _single_frame_start(str(tmp_path / 'single.pth'))
    proc = run([
        sys.executable, TRAIN_SCRIPT, ADAPT, '--work-dir', work_dir,
        '--cfg-options', f'load_from={ckpt}',
        f'train_dataloader.dataset.video_root={osp.join(DATA, "videos")}',
        'train_dataloader.dataset.bbox_file=' + osp.join(
            DATA, 'posetrack18', 'annotations',
            'test_posetrack18_clip_boxes.json'),
        f'train_dataloader.dataset.cache_dir={tmp_path / "cache"}'
    ], cwd=outside_repo, timeout=240)
    assert 'Saving checkpoint at 1 epochs' in proc.stdout
    assert 'UnlabelledVideoDataset: 3 samples' in proc.stdout
    assert 'frames without a box: 2' in proc.stdout
    records = [r for r in scalars(work_dir) if 'loss' in r]
    assert len(records) == 3  # 3 boxes in batches of 1
    for record in records:
        assert torch.isfinite(torch.tensor(record['loss']))
        assert 0 < record['teacher_score'] <= 1

    from fami_pose_mm.apis import VideoPoseInferencer
    from fami_pose_mm.utils.crop_modes import own_crop_pipeline
    cfg = Config.fromfile(osp.join(work_dir, 'fami_tiny_adapt_runner.py'))
    assert cfg.model.type == 'VideoTeacherStudentEstimator'
    pipeline = [step for step in cfg.train_dataloader.dataset.pipeline
                if step['type'] not in ('RandomClipFlip',
                                        'RandomClipBBoxTransform',
                                        'DegradeKeyFrame')]
    cfg.test_dataloader = dict(dataset=dict(
        type='PoseTrackVideoDataset', frame_offsets=(-1, 1),
        crop_mode='own', pipeline=own_crop_pipeline(pipeline)))
    inferencer = VideoPoseInferencer(cfg, osp.join(work_dir, 'epoch_1.pth'),
                                     det_model='whole_image', device='cpu')
    assert inferencer.streaming
    results = list(inferencer(osp.join(DATA, 'videos',
                                       '000001_mpiinew_test')))
    assert len(results) == 5
    (person, ) = results[2]['predictions'][0]
    assert len(person['keypoints']) == 17 and person['track_id'] == 0
