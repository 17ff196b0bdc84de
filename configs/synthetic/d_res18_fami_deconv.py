# (d) on the ResNet-18 SimpleBaseline of a_res18_single_frame.py with the
# neck after the head's deconvolutions (32x24, 128 channels) instead of on
# the backbone's 4x3 output: the drop-in's neck_input='head_deconv'.
_base_ = ['./a_res18_single_frame.py']

from fami_pose_mm.utils.drop_in import video_config  # noqa: E402

locals().update(video_config(
    _base_,
    checkpoint='work_dirs/synthetic/a_res18_single_frame.pth',
    video='{{fileDirname}}/d_fami.py',
    neck_input='head_deconv'))
