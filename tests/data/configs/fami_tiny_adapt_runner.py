# fami_tiny_runner.py adapted without labels (fami_pose_mm/utils/adapt.py):
# the real PoseTrack18 clip of tests/data/videos and its boxes file, one
# epoch. Tests set video_root, bbox_file and cache_dir with --cfg-options
# and start from a single-frame checkpoint with load_from.
_base_ = ['./fami_tiny_runner.py']

from fami_pose_mm.utils.adapt import adapt_config  # noqa: E402

locals().update(adapt_config(
    _base_,
    video_root='tests/data/videos',
    bbox_file='tests/data/posetrack18/annotations/'
    'test_posetrack18_clip_boxes.json',
    cache_dir='work_dirs/adapt_cache',
    max_epochs=1))
