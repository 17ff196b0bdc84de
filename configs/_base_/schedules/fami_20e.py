# The FAMI-Pose recipe of the PoseTrack configs, on MMPose's default runtime:
# Adam 1e-3, x0.1 at epochs 8/12/16, 20 epochs, batch 48 in total (the
# top-level config sets train_dataloader.batch_size, which the dataset base
# owns, and the metric that picks the best checkpoint).
_base_ = ['mmpose::_base_/default_runtime.py']

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
default_hooks = dict(checkpoint=dict(rule='greater', interval=1))
