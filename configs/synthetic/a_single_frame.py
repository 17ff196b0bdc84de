# (a) Single-frame baseline: mmpose's stock TopdownPoseEstimator on the key
# frame only, trained from scratch. Its backbone (frozen) and head start
# variants (b)-(d).
_base_ = ['./_base_/synthetic_base.py']

single_meta_keys = ('id', 'img_id', 'img_path', 'category_id', 'crowd_index',
                    'ori_shape', 'img_shape', 'input_size', 'input_center',
                    'input_scale', 'flip', 'flip_direction', 'flip_indices',
                    'raw_ann_info', 'bbox', 'bbox_score', 'dataset_name')
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='RandomFlip', direction='horizontal', prob=0.5),
    dict(
        type='RandomBBoxTransform',
        scale_factor=(0.75, 1.25),
        rotate_factor=30.0,
        rotate_prob=0.5),
    dict(type='TopdownAffine', input_size={{_base_.codec.input_size}}),
    dict(type='GenerateTarget', encoder={{_base_.codec}}),
    dict(type='PackPoseInputs', meta_keys=single_meta_keys)
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='TopdownAffine', input_size={{_base_.codec.input_size}}),
    dict(type='PackPoseInputs', meta_keys=single_meta_keys)
]
train_dataloader = dict(
    dataset=dict(frame_offsets=(), pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(frame_offsets=(), pipeline=val_pipeline))
test_dataloader = val_dataloader

model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone={{_base_.backbone}},
    head={{_base_.head}},
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True))
