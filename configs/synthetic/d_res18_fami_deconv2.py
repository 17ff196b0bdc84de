# (d) on the ResNet-18 SimpleBaseline of a_res18_single_frame.py with the
# neck after the first two of the head's three deconvolutions (16x12, 128
# channels): the third deconvolution (conv-BN-ReLU, from (a)) and the final
# layer decode the fused feature and train, as the two 3x3 convs of the
# HRNet head do after its neck.
_base_ = ['./a_res18_single_frame.py']

from fami_pose_mm.utils.drop_in import video_config  # noqa: E402

locals().update(video_config(
    _base_,
    checkpoint='work_dirs/synthetic/a_res18_single_frame.pth',
    video='{{fileDirname}}/d_fami.py',
    neck_input='head_deconv',
    frame_deconvs=2))
