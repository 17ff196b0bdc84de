# Ablation row "single frame": stock mmpose TopdownPoseEstimator with the
# same frozen COCO-pretrained HRNet-W48 and the same head; the data loads
# only the key frame (frame_offsets=()) and the preprocessor drops the
# clip axis. The backbone is frozen through HRNet's own frozen_stages /
# norm_eval (weights and BN statistics), as FAMI's freeze_backbone does.
_base_ = ['../fami_hrnet_w48_posetrack17.py']

model = dict(
    _delete_=True,
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        _base_.model.data_preprocessor, key_frame_only=True),
    backbone=dict(_base_.model.backbone, frozen_stages=4, norm_eval=True),
    head=_base_.model.head,
    test_cfg=_base_.model.test_cfg)

train_dataloader = dict(dataset=dict(frame_offsets=()))
val_dataloader = dict(dataset=dict(frame_offsets=()))
test_dataloader = val_dataloader
