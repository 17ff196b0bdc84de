# (f) Full FAMI-Pose (d) built on model (a) and adapted WITHOUT LABELS on
# the videos it is scored on (test-time adaptation, as a user adapts on the
# videos they process): the frozen (a) is the teacher on the clean key crop,
# the student sees the key crop degraded (DegradeKeyFrame); own crops, boxes
# of the split's detection file linked by their track ids
# (fami_pose_mm/utils/adapt.py). run_benchmark.py points video_root,
# bbox_file and cache_dir at the data seed's split.
_base_ = ['./d_fami.py']

from fami_pose_mm.utils.adapt import adapt_config  # noqa: E402

locals().update(adapt_config(
    _base_,
    video_root='data/synthetic/images/test',
    bbox_file='data/synthetic/annotations/posetrack18_test_boxes.json',
    cache_dir='work_dirs/synthetic/f_fami_adapt_cache',
    max_epochs=10))
# The 12 test videos give ~25 steps per epoch (against ~80 on train):
# 10 epochs, the learning rate divided by 10 for the last 3.
max_epochs = 10
param_scheduler = [
    _base_.param_scheduler[0],
    dict(_base_.param_scheduler[1], end=max_epochs, milestones=[7])
]
