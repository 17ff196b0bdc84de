# PoseTrack18 multi-frame data (key frame + supporting frames), 384x288.
# Frames: data/posetrack18/images/{train,val}/<video>/%06d.jpg (0-indexed).
# Training uses ground-truth boxes, val/test detected boxes (score >= 0.2).
# Window, codec, pipelines and loaders: ./video_topdown.py.
_base_ = ['./video_topdown.py']

dataset_type = 'PoseTrackVideoDataset'
data_root = 'data/posetrack18/'
frame_naming = dict(frame_name_template='{:06d}.jpg', frame_index_base=0)

train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/posetrack18_train.json',
        **frame_naming))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/posetrack18_val.json',
        bbox_file=data_root +
        'annotations/posetrack18_val_human_detections.json',
        det_score_thr=0.2,
        **frame_naming))
test_dataloader = val_dataloader

val_evaluator = dict(
    type='PoseTrackAPMetric',
    ann_file=data_root + 'annotations/posetrack18_val.json')
test_evaluator = val_evaluator
