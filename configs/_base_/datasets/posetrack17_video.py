# PoseTrack17 multi-frame data (key + supporting frames), 384x288, in the
# PoseWarper/DCPose layout (frames renamed to 1-indexed %08d.jpg).
# Frames: data/posetrack17/images_renamed/<video>/%08d.jpg.
# Pipelines, codec and loaders are those of PoseTrack18; only the files,
# the frame naming and the metric prefix change.
_base_ = ['./posetrack18_video.py']

data_root = 'data/posetrack17/'
frame_naming = dict(frame_name_template='{:08d}.jpg', frame_index_base=1)

train_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/posetrack17_train.json',
        **frame_naming))
val_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/posetrack17_val.json',
        bbox_file=data_root +
        'annotations/posetrack17_val_human_detections.json',
        **frame_naming))
test_dataloader = val_dataloader

val_evaluator = dict(
    ann_file=data_root + 'annotations/posetrack17_val.json',
    prefix='posetrack17')
test_evaluator = val_evaluator
