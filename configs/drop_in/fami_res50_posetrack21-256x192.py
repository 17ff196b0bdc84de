# FAMI-Pose on MMPose's SimpleBaseline ResNet-50 (COCO, 256x192),
# PoseTrack21: the drop-in of ./fami_res50_posetrack18-256x192.py with the
# data of ../fami_hrnet_w48_posetrack21.py (fami_pose_mm/utils/drop_in.py).
_base_ = ['mmpose::body_2d_keypoint/topdown_heatmap/coco/'
          'td-hm_res50_8xb64-210e_coco-256x192.py']

from fami_pose_mm.utils.drop_in import video_config  # noqa: E402

locals().update(video_config(
    _base_,
    checkpoint='https://download.openmmlab.com/mmpose/v1/body_2d_keypoint/topdown_heatmap/coco/'
    'td-hm_res50_8xb64-210e_coco-256x192-04af38ce_20220923.pth',
    video='{{fileDirname}}/../fami_hrnet_w48_posetrack21.py'))
