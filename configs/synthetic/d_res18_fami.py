# (d) on the ResNet-18 SimpleBaseline of a_res18_single_frame.py, written as
# an MMPose user would wrap their own model (configs/drop_in/): the
# single-frame config and checkpoint, everything else from ./d_fami.py.
_base_ = ['./a_res18_single_frame.py']

from fami_pose_mm.utils.drop_in import video_config  # noqa: E402

locals().update(video_config(
    _base_,
    checkpoint='work_dirs/synthetic/a_res18_single_frame.pth',
    video='{{fileDirname}}/d_fami.py'))
