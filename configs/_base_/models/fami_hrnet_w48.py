# FAMI-Pose model: HRNet-W48 backbone (COCO-pretrained, frozen), FAMINeck
# (GTM -> LCM -> sum fusion, paper variant, behind a gate that starts
# closed, so that the model starts as the single-frame model whose backbone
# and head it loads), HeatmapHead without deconvs,
# auxiliary supervision of the aligned features and the MI loss.
# Only `model` is defined here; two settings come from the data and are set
# by the top-level configs: the head's `decoder` (the dataset's `codec`) and
# the neck's `num_frames` (1 + len(frame_offsets)).
# Override the pretrained weights with a local file via
#   --cfg-options model.backbone.init_cfg.checkpoint=/path/to/file.pth
# (the frozen MI predictor follows the backbone's checkpoint).
model = dict(
    type='VideoTopdownPoseEstimator',
    data_preprocessor=dict(
        type='MultiFramePoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        type='HRNet',
        in_channels=3,
        extra=dict(
            stage1=dict(
                num_modules=1,
                num_branches=1,
                block='BOTTLENECK',
                num_blocks=(4, ),
                num_channels=(64, )),
            stage2=dict(
                num_modules=1,
                num_branches=2,
                block='BASIC',
                num_blocks=(4, 4),
                num_channels=(48, 96)),
            stage3=dict(
                num_modules=4,
                num_branches=3,
                block='BASIC',
                num_blocks=(4, 4, 4),
                num_channels=(48, 96, 192)),
            stage4=dict(
                num_modules=3,
                num_branches=4,
                block='BASIC',
                num_blocks=(4, 4, 4, 4),
                num_channels=(48, 96, 192, 384))),
        init_cfg=dict(
            type='Pretrained',
            prefix='backbone.',
            checkpoint='https://download.openmmlab.com/mmpose/v1/'
            'body_2d_keypoint/topdown_heatmap/coco/'
            'td-hm_hrnet-w48_8xb32-210e_coco-384x288-c161b7de_20220915.pth'),
    ),
    freeze_backbone=True,
    neck=dict(
        type='FAMINeck',
        in_channels=48,
        gtm=dict(
            type='GlobalTransformModule',
            dof=6,
            input_mode='difference',
            mid_channels=64,
            num_convs=3,
            pool_size=4,
            hidden_dim=128),
        lcm=dict(
            type='LocalCalibrationModule',
            mode='per_frame',
            kernel_size=3,
            dilation=3,
            deform_groups=12,
            num_cascades=1,
            backend='auto'),
        fusion='sum',
        gate=True),
    head=dict(
        type='HeatmapHead',
        in_channels=48,
        out_channels=17,
        deconv_out_channels=None,
        conv_out_channels=(48, 48),
        conv_kernel_sizes=(3, 3),
        loss=dict(type='KeypointMSELoss', use_target_weight=True)),
    aux_loss_weight=1.0,
    mi_loss=dict(
        type='FAMIMutualInfoLoss',
        tau=0.05,
        beta=0.1,
        reg_weight=1.0,
        loss_weight=0.5),
    # frozen single-frame 1x1 head h; loaded from the backbone checkpoint
    # ('head.' entries) because it has no init_cfg of its own
    mi_predictor=dict(
        type='HeatmapHead',
        in_channels=48,
        out_channels=17,
        deconv_out_channels=None),
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True))
