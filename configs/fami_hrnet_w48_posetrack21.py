# FAMI-Pose, HRNet-W48, 384x288, PoseTrack21, window (-2, -1, +1, +2): the
# model and schedule of ./fami_hrnet_w48_posetrack18.py on PoseTrack21's
# data (./_base_/datasets/posetrack21_video.py).
_base_ = [
    './fami_hrnet_w48_posetrack18.py',
    './_base_/datasets/posetrack21_video.py',
]

default_hooks = dict(checkpoint=dict(save_best='posetrack21/AP'))
