# FAMI-Pose, HRNet-W48, 384x288, PoseTrack21, window (-2, -1, +1, +2),
# frozen COCO-pretrained backbone, trained with ./_base_/schedules/fami_20e.py:
# the model and schedule of ./fami_hrnet_w48_posetrack18.py on PoseTrack21's
# data (./_base_/datasets/posetrack21_video.py).
_base_ = [
    './_base_/schedules/fami_20e.py',
    './_base_/datasets/posetrack21_video.py',
    './_base_/models/fami_hrnet_w48.py',
]

train_dataloader = dict(batch_size=48)  # the recipe's batch
default_hooks = dict(checkpoint=dict(save_best='posetrack21/AP'))

# The data fixes the clip length (key frame + one per frame offset) and the
# codec the head decodes with.
model = dict(
    neck=dict(num_frames=1 + len(_base_.frame_offsets)),
    head=dict(decoder=_base_.codec))
