# The full FAMI-Pose model of the synthetic benchmark, shrunk for runner
# tests (plugin discovery, distributed training, resume): HRNet with one
# block per branch, crops of 64x64, a 3-frame window, random init (no
# single-frame checkpoint), 2 training samples in batches of 1, no
# validation. The training pipeline has no random augmentation, so an
# interrupted-and-resumed run can be compared with an uninterrupted one
# weight for weight (on resume mmengine restores the seed, not the global
# RNG state). Tests set the data root with
# --cfg-options train_dataloader.dataset.data_root=DIR.
_base_ = ['../../../configs/synthetic/d_fami.py']

codec = dict(
    type='MSRAHeatmap', input_size=(64, 64), heatmap_size=(16, 16), sigma=2)
video_meta_keys = {{_base_.video_meta_keys}}
train_pipeline = [
    dict(type='LoadVideoFrames'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs', meta_keys=video_meta_keys)
]
train_dataloader = dict(
    batch_size=1,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(indices=2, frame_offsets=(-1, 1), pipeline=train_pipeline))
val_dataloader = None
val_cfg = None
val_evaluator = None
test_dataloader = None
test_cfg = None
test_evaluator = None

one_block = dict(
    stage1=dict(num_blocks=(1, ), num_channels=(16, )),
    stage2=dict(num_blocks=(1, 1)),
    stage3=dict(num_blocks=(1, 1, 1)),
    stage4=dict(num_blocks=(1, 1, 1, 1)))
model = dict(
    backbone=dict(extra=one_block, init_cfg=None),
    neck=dict(num_frames=3),
    head=dict(init_cfg=None, decoder=codec),
    mi_predictor=dict(init_cfg=None, decoder=codec))

max_epochs = 2
train_cfg = dict(max_epochs=max_epochs, val_interval=100)
# LR changes inside and across epochs: warm-up over the first 3 iterations,
# then a step at epoch 1; both outlive a 1-epoch run, so an interrupted
# run keeps the uninterrupted run's schedule.
param_scheduler = [
    dict(type='LinearLR', begin=0, end=3, start_factor=0.1, by_epoch=False),
    dict(
        type='MultiStepLR',
        begin=0,
        end=10,
        milestones=[1],
        gamma=0.5,
        by_epoch=True)
]
auto_scale_lr = dict(base_batch_size=48, enable=False)
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(interval=1, max_keep_ckpts=3),
    visualization=dict(enable=False))
randomness = dict(seed=0, deterministic=True)
