# FAMI-Pose on MMPose's HRNet-W32 (COCO, 256x192), PoseTrack18: its backbone
# (frozen) and head, the FAMI neck, data and schedule of
# ../fami_hrnet_w48_posetrack18.py (fami_pose_mm/utils/drop_in.py).
_base_ = ['mmpose::body_2d_keypoint/topdown_heatmap/coco/'
          'td-hm_hrnet-w32_8xb64-210e_coco-256x192.py']

from fami_pose_mm.utils.drop_in import video_config  # noqa: E402

locals().update(video_config(
    _base_,
    checkpoint='https://download.openmmlab.com/mmpose/v1/body_2d_keypoint/topdown_heatmap/coco/'
    'td-hm_hrnet-w32_8xb64-210e_coco-256x192-81c58e40_20220909.pth',
    video='{{fileDirname}}/../fami_hrnet_w48_posetrack18.py'))
