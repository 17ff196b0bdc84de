# PoseTrack17 multi-frame data (key + supporting frames), 384x288, in the
# PoseWarper/DCPose layout (frames renamed to 1-indexed %08d.jpg).
# Frames: data/posetrack17/images_renamed/<video>/%08d.jpg.
# Training uses ground-truth boxes, val/test detected boxes (score >= 0.2).
# Every random transform below makes one draw per sample and applies it to
# all frames of the window (mmpose's transforms handle a list `img`).
custom_imports = dict(imports=['fami_pose_mm'], allow_failed_imports=False)

dataset_type = 'PoseTrackVideoDataset'
data_mode = 'topdown'
data_root = 'data/posetrack17/'
frame_offsets = (-2, -1, 1, 2)

codec = dict(
    type='MSRAHeatmap', input_size=(288, 384), heatmap_size=(72, 96), sigma=3)

# mmpose's default meta keys plus the multi-frame ones
video_meta_keys = ('id', 'img_id', 'img_path', 'supporting_img_paths',
                   'supporting_frame_indices', 'frame_offsets', 'vid_id',
                   'category_id', 'crowd_index', 'ori_shape', 'img_shape',
                   'input_size', 'input_center', 'input_scale', 'flip',
                   'flip_direction', 'flip_indices', 'raw_ann_info', 'bbox',
                   'bbox_score', 'dataset_name')

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
        type=dataset_type,
        data_root=data_root,
        data_mode=data_mode,
        ann_file='annotations/posetrack17_train.json',
        data_prefix=dict(img=''),
        frame_offsets=frame_offsets,
        frame_name_template='{:08d}.jpg',
        frame_index_base=1,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32,
    num_workers=4,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_mode=data_mode,
        ann_file='annotations/posetrack17_val.json',
        bbox_file=data_root +
        'annotations/posetrack17_val_human_detections.json',
        det_score_thr=0.2,
        data_prefix=dict(img=''),
        frame_offsets=frame_offsets,
        frame_name_template='{:08d}.jpg',
        frame_index_base=1,
        test_mode=True,
        pipeline=val_pipeline))
test_dataloader = val_dataloader

val_evaluator = dict(
    type='PoseTrackAPMetric',
    ann_file=data_root + 'annotations/posetrack17_val.json',
    prefix='posetrack17')
test_evaluator = val_evaluator
