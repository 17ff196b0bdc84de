# (a) Single-frame baseline: mmpose's stock TopdownPoseEstimator on the key
# frame only, trained from scratch. Its backbone (frozen) and head start
# variants (b)-(d).
_base_ = ['./_base_/synthetic_base.py']

# The base's pipelines with mmpose's LoadImage and without the multi-frame
# meta keys.
single_meta_keys = tuple(
    key for key in _base_.video_meta_keys
    if key not in ('supporting_img_paths', 'supporting_frame_indices',
                   'frame_offsets', 'vid_id'))
train_pipeline = [
    dict(type='LoadImage'), *_base_.train_pipeline[1:-1],
    dict(type='PackPoseInputs', meta_keys=single_meta_keys)
]
val_pipeline = [
    dict(type='LoadImage'), *_base_.val_pipeline[1:-1],
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
