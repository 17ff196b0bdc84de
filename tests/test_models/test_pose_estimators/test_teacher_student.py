# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""VideoTeacherStudentEstimator: the frozen single-frame model's heatmaps
on the clean key crop are the targets of the video model on the degraded
clip."""
import copy

import pytest
import torch
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS

import fami_pose_mm.plugin  # noqa: F401  (registers)
from _tiny import make_batch, model_cfg

init_default_scope('mmpose')


def _student(**overrides):
    """The tiny 3-frame model as a student: gate closed, frozen backbone,
    the MI predictor (the teacher's head) a copy of the head."""
    cfg = model_cfg(**overrides)
    cfg['type'] = 'VideoTeacherStudentEstimator'
    cfg['freeze_backbone'] = True
    cfg['neck'] = dict(cfg['neck'], gate=True)
    cfg['mi_predictor'] = copy.deepcopy(cfg['head'])
    cfg['mi_predictor'].pop('loss', None)
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.mi_predictor.load_state_dict(model.head.state_dict())
    return model


def _with_clean_key(data: dict, degrade: bool) -> dict:
    """The batch's clips plus their clean key crop, last; the student's key
    frame replaced by noise when ``degrade``."""
    data = copy.deepcopy(data)
    clips = []
    for clip in data['inputs']:
        key = clip[0].clone()
        if degrade:
            clip = clip.clone()
            clip[0] = torch.randint(0, 255, key.shape, dtype=clip.dtype)
        clips.append(torch.cat([clip, key[None]]))
    data['inputs'] = clips
    return data


def test_targets_are_the_teachers_and_the_start_is_exact():
    model = _student().eval()  # the head's BN on running statistics, as
    # the teacher's (in training mode it normalises with the batch's)
    data = _with_clean_key(make_batch(), degrade=False)
    processed = model.data_preprocessor(copy.deepcopy(data), True)
    inputs, samples = processed['inputs'], processed['data_samples']
    assert inputs.shape[1] == 4  # 3 frames + the clean key
    losses = model.loss(inputs, samples)
    teacher = model.teacher_heatmaps(inputs[:, -1])
    for i, sample in enumerate(samples):
        assert torch.equal(sample.gt_fields.heatmaps, teacher[i])
        score = teacher[i].flatten(1).amax(1).clamp(0, 1)
        want = score * (score >= model.min_teacher_score)
        assert torch.equal(sample.gt_instance_labels.keypoint_weights[0],
                           want)
    # the video model starts as its single-frame model: on an undegraded
    # clip it gives the teacher's heatmaps exactly
    assert losses['loss_kpt'].item() < 1e-12
    assert 0 < losses['teacher_score'].item() <= 1


def test_fits_the_teachers_heatmaps_on_degraded_clips():
    model = _student()
    optim = OptimWrapper(torch.optim.Adam(
        [p for p in model.parameters() if p.requires_grad], lr=1e-2))
    data = _with_clean_key(make_batch(batch_size=4), degrade=True)
    teacher_before = copy.deepcopy(model.mi_predictor.state_dict())
    first = model.train_step(copy.deepcopy(data), optim)['loss_kpt'].item()
    for _ in range(30):
        last = model.train_step(copy.deepcopy(data), optim)['loss_kpt'].item()
    assert first > 0
    assert last < 0.5 * first
    assert model.neck.gate.weight.abs().max() > 0  # the neck opened
    for key, value in model.mi_predictor.state_dict().items():
        assert torch.equal(value, teacher_before[key]), key  # frozen


def test_prediction_is_the_video_model_and_bad_setups_are_named():
    model = _student()
    data = make_batch()
    results = model.val_step(copy.deepcopy(data))  # T frames, no teacher
    assert results[0].pred_instances.keypoints.shape == (1, 5, 2)
    with pytest.raises(ValueError, match=r'\(B, 4, 3, H, W\).*DegradeKeyFrame'):
        model.train_step(copy.deepcopy(data), OptimWrapper(
            torch.optim.SGD(model.neck.parameters(), lr=0.1)))
    cfg = model_cfg()
    cfg['type'] = 'VideoTeacherStudentEstimator'
    with pytest.raises(ValueError, match='freeze_backbone=True'):
        MODELS.build(cfg)
    cfg['freeze_backbone'] = True
    cfg['mi_predictor'] = None
    cfg['mi_loss'] = None
    with pytest.raises(ValueError, match='needs mi_predictor'):
        MODELS.build(cfg)
