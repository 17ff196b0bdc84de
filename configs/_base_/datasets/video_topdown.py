# Multi-frame top-down data shared by the video datasets: the supporting
# window, the meta keys to pack, the 384x288 codec and pipelines, and the
# loaders. A dataset config adds its type, files and frame naming; a config
# with another codec or augmentation restates its pipelines (mmengine
# resolves `codec` into them when this file is parsed).
# Every random transform below makes one draw per sample and applies it to
# all frames of the window (mmpose's transforms handle a list `img`).
custom_imports = dict(imports=['fami_pose_mm.plugin'], allow_failed_imports=False)

data_mode = 'topdown'
# The supporting frames, relative to the key frame: the one statement of the
# window. Top-level configs derive model.neck.num_frames from it (T = 1 +
# len(frame_offsets)); the estimator checks each batch against it.
frame_offsets = (-2, -1, 1, 2)

codec = dict(
    type='MSRAHeatmap', input_size=(288, 384), heatmap_size=(72, 96), sigma=3)

# mmpose's default meta keys plus the multi-frame ones, the person's track
# (ground truth or detection file), for tracking evaluation, and each frame's
# crop affine (T, 2, 3), written by ClipTopdownAffine (crop_mode='own';
# absent, so not packed, after mmpose's TopdownAffine)
video_meta_keys = ('id', 'img_id', 'img_path', 'supporting_img_paths',
                   'supporting_frame_indices', 'frame_offsets', 'vid_id',
                   'category_id', 'crowd_index', 'ori_shape', 'img_shape',
                   'input_size', 'input_center', 'input_scale', 'flip',
                   'flip_direction', 'flip_indices', 'raw_ann_info', 'bbox',
                   'bbox_score', 'track_id', 'dataset_name',
                   'frame_warp_mats')

train_pipeline = [
    dict(type='LoadVideoFrames'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='RandomFlip', direction='horizontal', prob=0.5),
    dict(type='RandomHalfBody', prob=0.3),
    dict(
        type='RandomBBoxTransform',
        scale_factor=(0.65, 1.35),
        rotate_factor=45.0,
        rotate_prob=0.6),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs', meta_keys=video_meta_keys)
]
val_pipeline = [
    dict(type='LoadVideoFrames'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs', meta_keys=video_meta_keys)
]

train_dataloader = dict(
    batch_size=32,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        data_mode=data_mode,
        data_prefix=dict(img=''),
        frame_offsets=frame_offsets,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32,
    num_workers=4,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        data_mode=data_mode,
        data_prefix=dict(img=''),
        frame_offsets=frame_offsets,
        test_mode=True,
        pipeline=val_pipeline))
test_dataloader = val_dataloader
