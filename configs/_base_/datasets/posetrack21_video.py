# PoseTrack21 multi-frame data (key frame + supporting frames), 384x288.
# Frames: data/posetrack21/images/{train,val}/<video>/%06d.jpg (0-indexed,
# PoseTrack18's frames). Annotations: the posetrack_data per-video files
# merged by tools/dataset_converters/posetrack_to_coco_video.py posetrack21
# (docs/datasets.md). Training uses ground-truth people with keypoints
# (box-only persons give boxes for 'own' crops), val/test detected boxes.
# Window, codec, pipelines and loaders: ./video_topdown.py.
_base_ = ['./posetrack18_video.py']

dataset_type = 'PoseTrack21VideoDataset'
data_root = 'data/posetrack21/'

train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/posetrack21_train.json'))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/posetrack21_val.json',
        bbox_file=data_root +
        'annotations/posetrack21_val_human_detections.json'))
test_dataloader = val_dataloader

# mAP as the PoseTrack21 kit computes it, from the per-video files
val_evaluator = dict(
    _delete_=True,
    type='PoseTrackAPMetric',
    dataset='posetrack21',
    ann_file=data_root + 'annotations/posetrack21_val.json',
    gt_folder=data_root + 'posetrack_data/val')
test_evaluator = val_evaluator
