# FAMI-Pose, HRNet-W48, 384x288, PoseTrack17, window (-2, -1, +1, +2).
# Recipe: Adam 1e-3, x0.1 at epochs 8/12/16, 20 epochs, batch 48 in total,
# frozen COCO-pretrained backbone.
_base_ = [
    'mmpose::_base_/default_runtime.py',
    './_base_/datasets/posetrack17_video.py',
    './_base_/models/fami_hrnet_w48.py',
]
custom_imports = dict(imports=['fami_pose_mm'], allow_failed_imports=False)
default_scope = 'mmpose'

train_cfg = dict(by_epoch=True, max_epochs=20, val_interval=1)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=20,
        milestones=[8, 12, 16],
        gamma=0.1,
        by_epoch=True)
]
# 48 clips per step on one GPU; with G GPUs set batch_size=48 // G or train
# with --auto-scale-lr (scales lr by total batch / 48)
auto_scale_lr = dict(base_batch_size=48)
train_dataloader = dict(batch_size=48)

default_hooks = dict(
    checkpoint=dict(save_best='posetrack17/AP', rule='greater', interval=1))

model = dict(head=dict(decoder={{_base_.codec}}))
