# Synthetic degraded-video benchmark: data, schedule, and the small HRNet
# backbone and heatmap head shared by every variant. Data from
# tools/synthetic/generate_synthetic_posetrack.py, in the PoseTrack18 layout, 320x240 frames,
# crops of 128x96 (H x W), heatmaps 32x24. Multi-frame pipelines; the
# single-frame config swaps LoadVideoFrames for mmpose's LoadImage.
# Window, meta keys, loaders and the PoseTrack18 layout:
# ../../_base_/datasets/posetrack18_video.py.
_base_ = [
    'mmpose::_base_/default_runtime.py',
    '../../_base_/datasets/posetrack18_video.py',
]

data_root = 'data/synthetic/'
codec = dict(
    type='MSRAHeatmap', input_size=(96, 128), heatmap_size=(24, 32), sigma=2)

# Another codec and milder augmentation than the base's pipelines: restated,
# as mmengine resolves `codec` into a pipeline when its file is parsed.
train_pipeline = [
    dict(type='LoadVideoFrames'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='RandomFlip', direction='horizontal', prob=0.5),
    dict(
        type='RandomBBoxTransform',
        scale_factor=(0.75, 1.25),
        rotate_factor=30.0,
        rotate_prob=0.5),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs', meta_keys=_base_.video_meta_keys)
]
val_pipeline = [
    dict(type='LoadVideoFrames'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs', meta_keys=_base_.video_meta_keys)
]

train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64,
    num_workers=2,
    dataset=dict(
        data_root=data_root,
        bbox_file=data_root +
        'annotations/posetrack18_val_human_detections.json',
        pipeline=val_pipeline))
# `val` is for design choices, `test` is reported only (docs/synthetic.md).
test_dataloader = {
    **val_dataloader, 'dataset': {
        **val_dataloader['dataset'],
        'ann_file': 'annotations/posetrack18_test.json',
        'bbox_file':
        data_root + 'annotations/posetrack18_test_human_detections.json'
    }
}
val_evaluator = dict(ann_file=data_root + 'annotations/posetrack18_val.json')
test_evaluator = dict(
    type='PoseTrackAPMetric',
    ann_file=data_root + 'annotations/posetrack18_test.json')

# Validation only at the end of training (the benchmark tests each variant
# with `mim test` afterwards); Adam with a step decay.
max_epochs = 8
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=max_epochs)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=2e-3))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=100, start_factor=0.01, by_epoch=False),
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_epochs,
        milestones=[int(max_epochs * 0.7), int(max_epochs * 0.9)],
        gamma=0.1,
        by_epoch=True)
]
auto_scale_lr = dict(base_batch_size=32)
default_hooks = dict(
    checkpoint=dict(interval=1, max_keep_ckpts=1),
    logger=dict(interval=20))
randomness = dict(seed=0, deterministic=False)
env_cfg = dict(cudnn_benchmark=False)

# A small HRNet (widths 16/32/64/128, one module per stage).
backbone = dict(
    type='HRNet',
    in_channels=3,
    extra=dict(
        stage1=dict(
            num_modules=1,
            num_branches=1,
            block='BOTTLENECK',
            num_blocks=(2, ),
            num_channels=(32, )),
        stage2=dict(
            num_modules=1,
            num_branches=2,
            block='BASIC',
            num_blocks=(2, 2),
            num_channels=(16, 32)),
        stage3=dict(
            num_modules=1,
            num_branches=3,
            block='BASIC',
            num_blocks=(2, 2, 2),
            num_channels=(16, 32, 64)),
        stage4=dict(
            num_modules=1,
            num_branches=4,
            block='BASIC',
            num_blocks=(2, 2, 2, 2),
            num_channels=(16, 32, 64, 128))))
head = dict(
    type='HeatmapHead',
    in_channels=16,
    out_channels=17,
    deconv_out_channels=None,
    conv_out_channels=(32, 32),
    conv_kernel_sizes=(3, 3),
    loss=dict(type='KeypointMSELoss', use_target_weight=True),
    decoder=codec)

# Variants (b)-(d) start from the single-frame model (a): its backbone,
# frozen, and its head. tools/synthetic/run_benchmark.py writes (a)'s final
# weights here; to use others, override model.backbone.init_cfg.checkpoint,
# model.head.init_cfg.checkpoint (and model.mi_predictor.init_cfg.checkpoint).
single_frame_checkpoint = 'work_dirs/synthetic/a_single_frame.pth'
pretrained_backbone = dict(
    **backbone,
    init_cfg=dict(
        type='Pretrained',
        prefix='backbone.',
        checkpoint=single_frame_checkpoint))
pretrained_head = dict(
    **head,
    init_cfg=dict(
        type='Pretrained', prefix='head.', checkpoint=single_frame_checkpoint))
