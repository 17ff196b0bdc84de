# Sub-JHMDB multi-frame data (key + supporting frames), 384x288, split 1.
# Frames: data/jhmdb/<file_name folder>/%05d.png, 1-indexed, one folder per
# clip (mmpose's layout: Rename_Images/<action>/<clip>/00001.png).
# Splits 2 and 3: set ann_file='annotations/Sub2_train.json' (and _test)
# on train_dataloader.dataset / val_dataloader.dataset in the top config.
# Both phases use ground-truth boxes, as in the Sub-JHMDB protocol.
# Window, codec, pipelines and loaders: ./video_topdown.py.
_base_ = ['./video_topdown.py']

dataset_type = 'JhmdbVideoDataset'
data_root = 'data/jhmdb/'
frame_naming = dict(frame_name_template='{:05d}.png', frame_index_base=1)

train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/Sub1_train.json',
        **frame_naming))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/Sub1_test.json',
        **frame_naming))
test_dataloader = val_dataloader

val_evaluator = [
    dict(type='JhmdbPCKAccuracy', thr=0.2, norm_item=['bbox', 'torso']),
]
test_evaluator = val_evaluator
