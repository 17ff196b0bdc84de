# (e) Full FAMI-Pose (d) with each supporting frame cropped with the
# person's OWN box in that frame (crop_mode='own') instead of the key
# frame's box. Training boxes: the ground-truth box of the same track in
# each frame (the synthetic set tracks every person). Val/test boxes: the
# detections' track ids link the frames; a detection file without track ids
# gives the key box in every frame (with a warning). The model resamples the
# supporting features into the key crop's grid with each frame's crop affine
# (`frame_warp_mats`, packed through the base's video_meta_keys).
# docs/datasets.md, "crop_mode='own'".
_base_ = ['./d_fami.py']

crop_mode = 'own'
model = dict(crop_mode=crop_mode)

# The pipelines of (d) with the clip variants of mmpose's box transforms:
# the same random draw per sample, applied to every frame's own box.
from fami_pose_mm.utils.crop_modes import own_crop_pipeline  # noqa: E402

train_pipeline = own_crop_pipeline(_base_.train_pipeline)
val_pipeline = own_crop_pipeline(_base_.val_pipeline)

train_dataloader = dict(
    dataset=dict(crop_mode=crop_mode, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(crop_mode=crop_mode, pipeline=val_pipeline))
test_dataloader = dict(
    dataset=dict(crop_mode=crop_mode, pipeline=val_pipeline))
